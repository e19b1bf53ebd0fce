/// Whether operations record the graph on the current task or thread.
///
/// Recording is on by default; ``withoutGrad(_:)`` turns it off for a scope.
public enum GradMode {
    @TaskLocal static var isEnabled = true

    /// Whether operations currently record the graph.
    public static var isRecording: Bool { isEnabled }
}

/// Runs `body` without recording the graph (inference, optimizer updates).
///
/// Tensors created inside carry no graph node, so no memory is kept for a backward pass.
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

extension Tensor {
    /// Whether a gradient flows to or through this tensor.
    ///
    /// Setting it to `true` makes the tensor a leaf whose gradient ``grad`` is filled by
    /// ``backward()``; setting it to `false` detaches it.
    public var requiresGrad: Bool {
        get { node != nil }
        set {
            if newValue {
                if node == nil || !(node!.isLeaf) {
                    node = GradNode(leafWithShape: shape, label: "leaf")
                }
            } else {
                node = nil
            }
        }
    }

    /// This tensor as a leaf that requires a gradient, named for messages.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func requiringGrad(label: String = "leaf") -> Tensor {
        var t = detached
        t.node = GradNode(leafWithShape: shape, label: label)
        return t
    }

    /// The gradient accumulated in this leaf by ``backward()``, if any.
    public var grad: Tensor? { node?.grad }

    /// Clears the accumulated gradient of this leaf.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func zeroGrad() { node?.grad = nil }

    /// Records an operation's result: attaches a node with the pullback when recording is on
    /// and some input takes part in differentiation.
    ///
    /// The pullback must capture only detached values (never `result` itself with its node).
    static func record(
        _ result: Tensor, inputs: [Tensor], label: String,
        pullback: @escaping (Tensor) -> [Tensor?]
    ) -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: { $0.node != nil }) else { return result }
        var out = result
        out.node = GradNode(shape: result.shape, inputs: inputs.map(\.node), label: label,
                            pullback: pullback)
        return out
    }

    /// Back-propagates from this scalar tensor (seed 1).
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward() {
        precondition(count == 1, "backward(): the tensor has shape \(shape); pass a cotangent of that shape")
        backward(seed: Tensor(filled: 1, shape: shape))
    }

    /// Back-propagates the cotangent `seed` (same shape as this tensor) through the graph,
    /// accumulating gradients into every leaf, then releases the graph.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(seed: Tensor) {
        precondition(seed.shape == shape, "backward(seed:): seed shape \(seed.shape) differs from \(shape)")
        propagate(seed: seed, watching: [], onGradientFinal: { _ in })
    }

    /// Back-propagates from this scalar tensor (seed 1), as ``backward()``, and calls
    /// `onGradientFinal(i)` as soon as the gradient of `leaves[i]` is final: right after the
    /// last operation that uses the leaf has added its contribution, while the operations
    /// before it (earlier layers) are still to be back-propagated. Data-parallel training uses
    /// it to start exchanging a layer's gradients early.
    ///
    /// Each watched leaf that the graph reaches is reported once, in the order its gradient
    /// becomes final; a leaf the graph does not reach is not reported (it gets no gradient).
    /// Its ``grad`` may still be `nil` when no operation passed a gradient to it.
    /// `onGradientFinal` runs on the calling thread, between two pullbacks, without recording.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(watching leaves: [Tensor], onGradientFinal: (_ index: Int) -> Void) {
        precondition(count == 1, "backward(): the tensor has shape \(shape); pass a cotangent of that shape")
        propagate(seed: Tensor(filled: 1, shape: shape), watching: leaves, onGradientFinal: onGradientFinal)
    }

    /// The backward pass: reverse topological order, one pullback per inner node, and the
    /// watched leaves reported after their last consumer.
    private func propagate(seed: Tensor, watching leaves: [Tensor], onGradientFinal: (Int) -> Void) {
        guard let root = node else { return }
        // Reverse topological order by an iterative depth-first search.
        var order: [GradNode<Scalar>] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(GradNode<Scalar>, Int)] = [(root, 0)]
        visited.insert(ObjectIdentifier(root))
        while let (n, next) = stack.popLast() {
            if next < n.inputs.count {
                stack.append((n, next + 1))
                if let child = n.inputs[next], visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                order.append(n)
            }
        }
        let inner = order.reversed().filter { !$0.isLeaf }
        // readyAfter[k]: the watched leaves whose last consumer is inner[k].
        var readyAfter: [[Int]] = []
        if !leaves.isEmpty {
            var watched: [ObjectIdentifier: [Int]] = [:]
            for (i, leaf) in leaves.enumerated() {
                if let n = leaf.node, n.isLeaf { watched[ObjectIdentifier(n), default: []].append(i) }
            }
            var lastConsumer: [ObjectIdentifier: Int] = [:]
            for (k, n) in inner.enumerated() {
                for case let input? in n.inputs where watched[ObjectIdentifier(input)] != nil {
                    lastConsumer[ObjectIdentifier(input)] = k
                }
            }
            readyAfter = Array(repeating: [], count: inner.count)
            for (id, k) in lastConsumer { readyAfter[k] += watched[id] ?? [] }
            for k in readyAfter.indices where readyAfter[k].count > 1 { readyAfter[k].sort() }
            if root.isLeaf, let indices = watched[ObjectIdentifier(root)] {
                root.accumulate(seed.detached)
                withoutGrad { indices.forEach(onGradientFinal) }
                return
            }
        }
        root.accumulate(seed.detached)
        withoutGrad {
            for (k, n) in inner.enumerated() {
                if let g = n.grad {
                    // A graph serves one backward pass, which releases it: a second one would lose this gradient.
                    guard let pullback = n.pullback else {
                        preconditionFailure("backward(): '\(n.label)' belongs to a graph an earlier backward() released; "
                                            + "run the forward pass again (a graph serves one backward pass)")
                    }
                    let grads = pullback(g)
                    for (input, ig) in zip(n.inputs, grads) {
                        if let input, let ig { input.accumulate(ig) }
                    }
                }
                n.release()
                if !readyAfter.isEmpty {
                    for i in readyAfter[k] { onGradientFinal(i) }
                }
            }
        }
    }
}
