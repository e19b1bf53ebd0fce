/// One recorded operation in the graph: its inputs' nodes and the pullback that maps the
/// gradient of its output to the gradients of its inputs.
///
/// Leaf nodes belong to tensors marked ``Tensor/requiresGrad``; they keep their accumulated
/// gradient. Inner nodes drop their pullback, inputs and gradient once `backward` has used them,
/// so the graph does not outlive the step.
final class GradNode<Scalar: TensorScalar>: @unchecked Sendable {
    typealias Pullback = (Tensor<Scalar>) -> [Tensor<Scalar>?]

    let shape: [Int]
    private(set) var inputs: [GradNode?]
    private(set) var pullback: Pullback?
    /// The gradient accumulated so far.
    var grad: Tensor<Scalar>?
    let isLeaf: Bool
    /// A name for messages (leaves) or the op name (inner nodes).
    let label: String

    init(leafWithShape shape: [Int], label: String) {
        self.shape = shape
        self.inputs = []
        self.pullback = nil
        self.isLeaf = true
        self.label = label
    }

    init(shape: [Int], inputs: [GradNode?], label: String, pullback: @escaping Pullback) {
        self.shape = shape
        self.inputs = inputs
        self.pullback = pullback
        self.isLeaf = false
        self.label = label
    }

    /// Adds a contribution to this node's gradient.
    func accumulate(_ g: Tensor<Scalar>) {
        precondition(g.shape == shape,
                     "\(label): gradient of shape \(g.shape) for a value of shape \(shape)")
        if var existing = grad {
            // Released first, so that the sum is formed in place when nothing else holds it.
            grad = nil
            existing.addInPlaceNoGrad(g)
            grad = existing
        } else {
            grad = g
        }
    }

    /// Forgets the inputs and the pullback (and with them every captured value).
    func release() {
        inputs = []
        pullback = nil
        grad = nil
    }
}

extension Tensor {
    /// Adds `other` (same shape) into this value without recording: in place when the storage
    /// is not shared.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    mutating func addInPlaceNoGrad(_ other: Tensor) {
        node = nil
        scalars.withUnsafeMutableBufferPointer { r in
            other.scalars.withUnsafeBufferPointer { o in
                for i in 0..<r.count { r[i] += o[i] }
            }
        }
    }
}
