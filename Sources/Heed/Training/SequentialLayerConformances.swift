// The built-in layers that map one input to one output, so that `Sequential` can stack them
// without a forward closure.

extension Dense: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[..., in]` → `[..., units]`.
    /// - Throws: ``TensorError`` when the input's last axis does not fit the kernel.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}

extension Conv1D: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[batch, time, Cin]` → `[batch, Lout, filters]` (or channels first).
    /// - Throws: ``TensorError`` when the input's rank or channels do not fit.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}

extension LayerNormalization: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: any rank covering the layer's axes → the same shape.
    /// - Throws: ``TensorError`` when the axes do not fit the input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}

extension PositionalEncoding: TensorLayer {
    /// ``callAsFunction(_:)-(Tensor<Scalar>)``; `training` has no effect.
    ///
    /// Shapes: `[batch, time, features]` → the same shape.
    /// - Throws: ``TensorError`` unless the input has rank 3.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input)
    }
}

extension Dropout: TensorLayer {
    /// ``callAsFunction(_:training:keepMask:)-(Tensor<Scalar>,_,_)``: drops values only when
    /// `training`.
    ///
    /// Shapes: any → the same shape.
    /// - Throws: ``TensorError`` when the noise shape does not fit the input.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        try self(input, training: training)
    }
}

extension Embedding: IDsLayer {
    /// ``callAsFunction(_:)``; `training` has no effect.
    ///
    /// Shapes: ids `[batch, time]` → `[batch, time, outputDim]`.
    /// - Throws: ``TensorError`` for an id outside `0..<inputDim`.
    @_specialize(exported: true, where Scalar == Float)
    @_specialize(exported: true, where Scalar == Double)
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ ids: IntTensor, training: Bool) throws -> Tensor<Scalar> {
        try self(ids)
    }
}
