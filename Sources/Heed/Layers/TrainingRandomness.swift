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
    private var generator: SeededGenerator
    private var drawnAtStep: Int?

    init(seed: UInt64, name: String) {
        self.seed = seed
        self.name = name
        generator = LayerSeed.generator(seed: seed, name: name)
    }

    /// Runs `body` with the generator for this draw: restarted when a new step began since the
    /// last draw; draws within one step continue one stream.
    mutating func draw<R>(_ body: (inout SeededGenerator) throws -> R) rethrows -> R {
        if let step = Self.step, step != drawnAtStep {
            drawnAtStep = step
            // splitmix64's increment spreads consecutive steps over the seed's bits.
            generator = LayerSeed.generator(seed: seed ^ (UInt64(truncatingIfNeeded: step) &+ 1) &* 0x9E37_79B9_7F4A_7C15, name: name)
        }
        return try body(&generator)
    }
}
