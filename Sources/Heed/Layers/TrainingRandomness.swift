/// The random stream of a layer that draws in training (dropout masks).
///
/// Inside ``Model/fit(x:y:batchSize:epochs:initialEpoch:validationData:validationSplit:shuffle:seed:callbacks:verbose:resumeFrom:stepsPerEpoch:)-(_,Targets<Scalar>,_,_,_,_,_,_,_,_,_,_,_)``
/// (and `trainOnBatch`) it restarts at every training step from the layer's seed, its name and
/// the step's index, so that a run resumed from a checkpoint draws the masks the uninterrupted
/// run draws from there on, and no generator state needs saving. Outside them (a hand-written
/// loop, a test calling a layer) it is one stream from the seed, as before any step.
struct TrainingRandomness {
    /// The index of the training step running on this task (fit: epoch × steps per epoch + step;
    /// `trainOnBatch`: the optimizer's iterations), nil outside one.
    @TaskLocal static var step: Int? = nil

    private let seed: UInt64
    private let name: String
    private var stream: SeededGenerator
    private var drawnAtStep: Int?

    init(seed: UInt64, name: String) {
        self.seed = seed
        self.name = name
        stream = LayerSeed.generator(seed: seed, name: name)
    }

    /// The generator to draw from (pass it `inout`): restarted when a new step began since the
    /// last draw; draws within one step continue one stream. (A property rather than a method
    /// taking a closure: a generic call inside such a closure in a prespecialised function did
    /// not link in release builds.)
    var generator: SeededGenerator {
        mutating get {
            if let step = Self.step, step != drawnAtStep {
                drawnAtStep = step
                // splitmix64's increment spreads consecutive steps over the seed's bits.
                stream = LayerSeed.generator(seed: seed ^ (UInt64(truncatingIfNeeded: step) &+ 1) &* 0x9E37_79B9_7F4A_7C15, name: name)
            }
            return stream
        }
        set { stream = newValue }
    }
}
