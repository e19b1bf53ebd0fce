extension Tensor {
    /// Defines a new differentiable operation from its forward computation and its pullback.
    ///
    /// `forward` receives the inputs without their graph nodes and runs without recording, so
    /// it may use any tensor operation or a hand-written loop over ``scalars``. When recording
    /// is on and some input requires a gradient, the result is attached to the graph; during
    /// ``backward()`` the pullback receives the gradient of the result (same shape as the
    /// result) together with the detached inputs and result, and returns one gradient per
    /// input (`nil` for an input that needs none). Inside the pullback nothing is recorded.
    ///
    /// A returned gradient must have its input's shape, or a shape that input broadcasts to:
    /// a broadcast gradient is summed back to the input's shape, as the built-in broadcasting
    /// operations do.
    ///
    /// ```swift
    /// // softplus(x) = log(1 + eˣ), with derivative sigmoid(x)
    /// let y = try Tensor.customOp(inputs: [x], label: "softplus") { xs in
    ///     (xs[0].exp() + 1).log()
    /// } pullback: { gradient, xs, _ in
    ///     [try gradient * xs[0].sigmoid()]
    /// }
    /// ```
    ///
    /// Shapes: any; the pullback maps a gradient of the result's shape to gradients of the
    /// inputs' shapes.
    /// - Throws: whatever `forward` throws (a ``TensorError`` for shapes that do not fit).
    ///   A pullback that throws, returns the wrong number of gradients or a gradient of a shape
    ///   that does not fit is a programming error and stops the program with a message naming
    ///   `label`, since ``backward()`` cannot throw.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public static func customOp(
        inputs: [Tensor], label: String,
        forward: ([Tensor]) throws -> Tensor,
        pullback: @escaping (_ gradient: Tensor, _ inputs: [Tensor], _ result: Tensor) throws -> [Tensor?]
    ) throws -> Tensor {
        let values = inputs.map(\.detached)
        let result = try withoutGrad { try forward(values) }.detached
        let shapes = inputs.map(\.shape)
        return record(result, inputs: inputs, label: label) { gradient in
            let grads: [Tensor?]
            do {
                grads = try pullback(gradient, values, result)
            } catch {
                preconditionFailure("customOp '\(label)': the pullback threw: \(error)")
            }
            precondition(grads.count == shapes.count,
                         "customOp '\(label)': the pullback returned \(grads.count) gradients for \(shapes.count) inputs")
            return zip(grads, shapes).enumerated().map { index, pair in
                let (grad, shape) = pair
                guard let grad else { return nil }
                if grad.shape == shape { return grad.detached }
                let fits = (try? Shape.broadcast(grad.shape, shape, operation: label)) == grad.shape
                precondition(fits,
                             "customOp '\(label)': the gradient of input \(index) has shape \(grad.shape), which does not fit the input's shape \(shape)")
                return grad.summed(toShape: shape)
            }
        }
    }
}
