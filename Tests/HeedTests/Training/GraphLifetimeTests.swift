import Foundation
import XCTest
@testable import Heed

/// Every graph node a training step creates is freed by the end of that step, so memory does
/// not grow with the number of steps.
final class GraphLifetimeTests: SingleThreadedTestCase {
    /// A weak reference to a graph node.
    private struct WeakNode {
        weak var node: GradNode<Float>?
    }

    /// Embedding → Attention([x, x]) → GlobalAveragePooling1D → Dense, recording a weak
    /// reference to the node of every intermediate result of a training step, tagged with the
    /// step it was made in.
    private final class ProbedTextClassifier: Model<Float, IntTensor> {
        let embedding = Embedding<Float>(inputDim: 20, outputDim: 8, seed: 1)
        let attention = Attention<Float>(useScale: true, seed: 1)
        let pooling = GlobalAveragePooling1D<Float>()
        let dense = Dense<Float>(units: 3, seed: 1)
        var step = 0
        var recorded: [(step: Int, ref: WeakNode)] = []

        init() {
            super.init(name: "probed", outputActivation: .softmax)
            add(embedding)
            add(attention)
            add(dense)
        }

        override func forward(_ input: IntTensor, training: Bool) throws -> Tensor<Float> {
            let x = try embedding(input)
            let attended = try attention(query: x, value: x, training: training)
            let pooled = try pooling(attended)
            let logits = try dense(pooled)
            // Only training steps; fit also runs one inference pass to build the weights.
            if training {
                for t in [x, attended, pooled, logits] { recorded.append((step, WeakNode(node: t.node))) }
            }
            return logits
        }
    }

    /// Checks at each batch end that the nodes of earlier steps are gone, then moves the probe on.
    private final class NodeCheck: Callback {
        let model: ProbedTextClassifier
        var checkedSteps = 0
        var leaked: [String] = []

        init(model: ProbedTextClassifier) { self.model = model }

        func onBatchEnd(_ step: Int, context: TrainingContext) throws {
            for (made, ref) in model.recorded where made < model.step {
                if let node = ref.node { leaked.append("\(node.label) from step \(made), alive at step \(model.step)") }
            }
            // The nodes of this step are alive while fit holds its output, but already cut loose.
            for (made, ref) in model.recorded where made == model.step {
                if let node = ref.node, !node.isLeaf, node.pullback != nil || !node.inputs.isEmpty {
                    leaked.append("\(node.label) of step \(made) still holds its inputs after backward")
                }
            }
            checkedSteps += 1
            model.step += 1
        }
    }

    func testNoGraphNodeOutlivesATrainingStep() throws {
        var g = SeededGenerator(seed: 3)
        let ids = try IntTensor(shape: [12, 5], scalars: (0..<60).map { _ in Int32(g.nextInt(below: 20)) })
        let labels = IntTensor((0..<12).map { Int32($0 % 3) })
        let model = ProbedTextClassifier()
        model.compile(loss: .sparseCategoricalCrossentropy(fromLogits: false), optimizer: Adam())
        let check = NodeCheck(model: model)
        try model.fit(x: ids, y: labels, batchSize: 4, epochs: 2, callbacks: [check], verbose: .silent)

        XCTAssertEqual(check.checkedSteps, 6)
        XCTAssertEqual(model.recorded.count, 6 * 4)
        XCTAssertEqual(check.leaked, [])
        let alive = model.recorded.compactMap { $0.ref.node?.label }
        XCTAssertEqual(alive, [], "nodes alive after fit returned")
    }
}
