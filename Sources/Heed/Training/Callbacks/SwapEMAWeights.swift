/// Evaluates with the weights' moving averages (Keras `SwapEMAWeights`), for an optimizer with
/// ``Optimizer/useEMA``: the weights and their averages are exchanged before each evaluation of
/// the validation data and exchanged back after it, so the `val_…` logs describe the averaged
/// weights while training goes on with the trained ones. After the last epoch `fit` copies the
/// averages into the weights.
///
/// Callbacks that copy weights at the end of an epoch (``EarlyStopping``'s best weights) see the
/// trained weights, not the averages, as in Keras without `swap_on_epoch`.
public final class SwapEMAWeights: Callback {
    private var averagesInModel = false

    /// A callback swapping the averages in for each evaluation.
    public init() {}

    /// Swaps the averages in.
    public func onTestBegin(_ context: TrainingContext) throws {
        guard !averagesInModel else { return }
        try context.swapEMAWeights()
        averagesInModel = true
    }

    /// Swaps the trained weights back.
    public func onTestEnd(_ context: TrainingContext) throws {
        guard averagesInModel else { return }
        try context.swapEMAWeights()
        averagesInModel = false
    }
}
