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
        root.accumulate(seed.detached)
        withoutGrad {
            for n in order.reversed() where !n.isLeaf {
                if let g = n.grad, let pullback = n.pullback {
                    let grads = pullback(g)
                    for (input, ig) in zip(n.inputs, grads) {
                        if let input, let ig { input.accumulate(ig) }
                    }
                }
                n.release()
            }
        }
    }
}
