import Heed

/// Row indices split into a training part and a held-out (validation or test) part.
public struct DatasetSplit: Sendable, Equatable {
    /// Rows for training, in file order.
    public let train: [Int]
    /// Held-out rows, in file order.
    public let test: [Int]

    /// A split of the given rows; `train` and `test` must be disjoint.
    public init(train: [Int], test: [Int]) {
        self.train = train
        self.test = test
    }

    /// A seeded random split of `count` rows: `⌈count · testFraction⌉` rows are held out.
    ///
    /// The rows are shuffled with Heed's `SeededGenerator` (Fisher–Yates), the first held-out count
    /// of the shuffle are held out, and both parts are returned in file order. The same seed
    /// gives the same split on every platform.
    ///
    /// - Throws: ``TextDataError/invalidArgument(operation:message:)`` if `testFraction` is not
    ///   in `(0, 1)` or either part would be empty.
    public static func random(count: Int, testFraction: Double = 0.2, seed: UInt64 = 42) throws -> DatasetSplit {
        guard testFraction > 0 && testFraction < 1 else {
            throw TextDataError.invalidArgument(
                operation: "DatasetSplit.random", message: "testFraction \(testFraction) must be between 0 and 1")
        }
        let testCount = heldOutCount(count: count, testFraction: testFraction)
        guard testCount >= 1 && testCount < count else {
            throw TextDataError.invalidArgument(
                operation: "DatasetSplit.random",
                message: "\(count) rows cannot be split with testFraction \(testFraction) into two non-empty parts")
        }
        var generator = SeededGenerator(seed: seed)
        let order = shuffledIndices(count: count, generator: &generator)
        return DatasetSplit(train: order[testCount...].sorted(), test: order[..<testCount].sorted())
    }

    /// The rows ``random(count:testFraction:seed:)`` holds out: `⌈count · testFraction⌉`.
    public static func heldOutCount(count: Int, testFraction: Double) -> Int {
        Int((Double(count) * testFraction).rounded(.up))
    }

    /// `0..<count` in a random order drawn from `generator` (Fisher–Yates).
    public static func shuffledIndices(count: Int, generator: inout SeededGenerator) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            let j = generator.nextInt(below: i + 1)
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }
}
