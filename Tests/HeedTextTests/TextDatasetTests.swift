import Foundation
import Heed
import XCTest
@testable import HeedText

final class TextDatasetTests: XCTestCase {
    private var folder: TemporaryDirectory!

    override func setUpWithError() throws {
        folder = try TemporaryDirectory()
    }

    override func tearDown() {
        folder = nil
    }

    func testSeparateTestFileUsesTheTrainingVocabularyOnly() throws {
        let train = try folder.file("train.csv", """
            review,sentiment
            "Good, good film.<br />Great!",positive
            "Bad film; BAD acting",negative

            """)
        let test = try folder.file("test.csv", "review,sentiment\n\"Unseen good words\",positive\n")
        let options = TextDatasetOptions(textColumns: ["review"], labelColumn: "sentiment", vocabularySize: 5, maxLength: 4)
        let data = try TextDataset.load(train, testFile: test, options: options)
        // Counts: good 2, film 2, bad 2, great 1, acting 1; ties by first occurrence.
        XCTAssertEqual(data.vocabulary.tokens, ["<PAD>", "<UNK>", "good", "film", "bad"])
        XCTAssertEqual(data.labelEncoder.classes, ["negative", "positive"])
        XCTAssertEqual(data.train.inputs[0].shape, [2, 4])
        XCTAssertEqual(data.train.inputs[0].scalars, [2, 2, 3, 1, 4, 3, 4, 1])
        XCTAssertEqual(data.train.labels.scalars, [1, 0])
        XCTAssertEqual(data.test.inputs[0].scalars, [1, 2, 1, 0])
        XCTAssertEqual(data.test.labels.scalars, [1])
    }

    func testBigramsJoinTheVocabularyAndFollowTheWordsOfEachText() throws {
        let train = try LabeledTexts(texts: [["not good", "good film", "not good film"]], labels: ["neg", "pos", "neg"])
        let test = try LabeledTexts(texts: [["good not bad"]], labels: ["pos"])
        let options = TextDatasetOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 6, maxLength: 6,
                                         ngrams: 2)
        let data = try TextDataset.make(train: train, test: test, options: options)
        // Counts: good 3, then not, "not good", film and "good film" 2 each, ranked by first occurrence.
        XCTAssertEqual(data.vocabulary.tokens, ["<PAD>", "<UNK>", "good", "not", "not good", "film"])
        XCTAssertEqual(data.train.inputs[0].scalars, [3, 2, 4, 0, 0, 0,
                                                      2, 5, 1, 0, 0, 0,
                                                      3, 2, 5, 4, 1, 0])
        // good, not, bad (unknown), then "good not" and "not bad" (unknown).
        XCTAssertEqual(data.test.inputs[0].scalars, [2, 3, 1, 1, 1, 0])
    }

    func testKeptDigitsJoinTheVocabularyAndTheEncoding() throws {
        let train = try LabeledTexts(texts: [["won 3 to 1", "lost 1 to 3", "3 3"]], labels: ["a", "b", "a"])
        let test = try LabeledTexts(texts: [["won 7 to 3"]], labels: ["a"])
        let options = TextDatasetOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 10, maxLength: 5,
                                         keepsDigits: true)
        let data = try TextDataset.make(train: train, test: test, options: options)
        // Counts: 3 four times, 1 and to twice, then won and lost.
        XCTAssertEqual(data.vocabulary.tokens, ["<PAD>", "<UNK>", "3", "to", "1", "won", "lost"])
        XCTAssertEqual(data.test.inputs[0].scalars, [5, 1, 3, 2, 0])
        let words = try TextDataset.encode(["won 7 to 3"], vocabulary: data.vocabulary, maxLength: 5)
        XCTAssertEqual(words.scalars, [5, 3, 0, 0, 0], "without keepingDigits the digits are dropped")
        XCTAssertEqual(NGrams.tokens(in: "won 3-1", upTo: 2, keepingDigits: true), ["won", "3", "1", "won 3", "3 1"])
    }

    func testNGramsAreCutWithTheWordsAtMaxLength() throws {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "a", "b", "c", "a b"])
        let ids = try TextDataset.encode(["a b c", "c"], vocabulary: vocabulary, maxLength: 4, ngrams: 2)
        XCTAssertEqual(ids.scalars, [2, 3, 4, 5, 4, 0, 0, 0])
    }

    func testDistinctTokensKeepEachIDOnceBeforeTheCut() throws {
        let train = try LabeledTexts(texts: [["good good bad good film plot", "bad film"]], labels: ["x", "y"])
        let test = try LabeledTexts(texts: [["plot plot unseen good film"]], labels: ["x"])
        let options = TextDatasetOptions(textColumns: ["text"], labelColumn: "label", vocabularySize: 10, maxLength: 3,
                                         distinctTokens: true)
        let data = try TextDataset.make(train: train, test: test, options: options)
        // Counts over every token, repeats included: good 3, bad 2, film 2, plot 1.
        XCTAssertEqual(data.vocabulary.tokens, ["<PAD>", "<UNK>", "good", "bad", "film", "plot"])
        // good, bad, film (plot is cut); the sequence cut would give good, good, bad.
        XCTAssertEqual(data.train.inputs[0].scalars, [2, 3, 4, 3, 4, 0])
        XCTAssertEqual(data.test.inputs[0].scalars, [5, 1, 2])
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "a", "b", "a b"])
        // a, b, a, b, "a b", "b a" (unknown), "a b" → a, b, "a b", <UNK>.
        XCTAssertEqual(try TextDataset.encode(["a b a b", "b b"], vocabulary: vocabulary, maxLength: 5, ngrams: 2, distinct: true).scalars,
                       [2, 3, 4, 1, 0, 3, 1, 0, 0, 0])
        XCTAssertEqual(try TextDataset.encode(["a b a b"], vocabulary: vocabulary, maxLength: 5, ngrams: 2).scalars,
                       [2, 3, 2, 3, 4], "without distinct the repeats stay")
    }

    /// Keras 3.15.1, `Benchmarks/reference/keras_multi_hot.py`: TextVectorization(output_mode=
    /// "multi_hot", ngrams=3) with a fixed vocabulary sets these indices (0 = unknown, k = the
    /// k-th entry); Heed's distinct ids of the same texts are the same set, one higher.
    func testDistinctTokensMatchKerasMultiHot() throws {
        let entries = ["good", "film", "not", "not good", "good film", "a good film", "bad", "2", "bad bad", "at all"]
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>"] + entries)
        let keras: [(String, [Int32])] = [
            ("A good film, a GOOD film!", [0, 1, 2, 5, 6]),
            ("not good, not good at all", [0, 1, 3, 4, 10]),
            ("bad bad film 2 2 10", [0, 2, 7, 8, 9]),
            ("nothing known here", [0]),
        ]
        for (text, set) in keras {
            let ids = try TextDataset.encode([text], vocabulary: vocabulary, maxLength: 20, ngrams: 3, keepingDigits: true,
                                             distinct: true).scalars.filter { $0 != 0 }
            XCTAssertEqual(ids.count, Set(ids).count, "each id once: \(text)")
            XCTAssertEqual(ids.sorted(), set.map { $0 + 1 }, text)
        }
    }

    func testNGramsBelowOneAreAnError() throws {
        let train = try LabeledTexts(texts: [["a", "b"]], labels: ["x", "y"])
        let options = TextDatasetOptions(textColumns: ["text"], labelColumn: "label", ngrams: 0)
        XCTAssertThrowsError(try TextDataset.make(train: train, test: train, options: options))
        XCTAssertThrowsError(try TextDataset.encode(["a"], vocabulary: Vocabulary(tokens: ["<PAD>", "<UNK>"]), maxLength: 2,
                                                    ngrams: 0))
    }

    func testRandomSplitHoldsOutTwentyPercent() throws {
        var text = "text,label\n"
        for i in 0..<10 { text += "word\(String(repeating: "x", count: i)),\(i % 2 == 0 ? "even" : "odd")\n" }
        let url = try folder.file("data.csv", text)
        let data = try TextDataset.load(url, options: TextDatasetOptions(textColumns: ["text"], labelColumn: "label"))
        XCTAssertEqual(data.train.count, 8)
        XCTAssertEqual(data.test.count, 2)
        XCTAssertEqual(data.train.inputs[0].shape, [8, 200])
        // Each text is one distinct token, so only the 8 training words are in the vocabulary.
        XCTAssertEqual(data.vocabulary.count, 10)
        XCTAssertEqual(data.test.inputs[0].scalars.filter { $0 != 0 }, [1, 1])
    }

    func testSentencePairsFromTSV() throws {
        let url = try folder.file("pairs.tsv", bytes: [0xEF, 0xBB, 0xBF] + Array("""
            Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\r
            1\t1\t2\t"The witness" spoke.\tThe witness spoke.\r
            0\t3\t4\tCats sleep.\tDogs run.\r

            """.utf8))
        let train = try LabeledTexts.read(from: url, textColumns: ["#1 String", "#2 String"], labelColumn: "Quality")
        XCTAssertEqual(train.texts, [["\"The witness\" spoke.", "Cats sleep."], ["The witness spoke.", "Dogs run."]])
        let options = TextDatasetOptions(textColumns: ["#1 String", "#2 String"], labelColumn: "Quality", maxLength: 3)
        let data = try TextDataset.make(train: train, test: train, options: options)
        // Counts over both columns: the 2, witness 2, spoke 2, cats, sleep, dogs, run 1.
        XCTAssertEqual(data.vocabulary.tokens, ["<PAD>", "<UNK>", "the", "witness", "spoke", "cats", "sleep", "dogs", "run"])
        XCTAssertEqual(data.train.inputs.map(\.scalars), [[2, 3, 4, 5, 6, 0], [2, 3, 4, 7, 8, 0]])
        XCTAssertEqual(data.train.labels.scalars, [1, 0])
        let batch = try data.train.batches(size: 2)[0]
        XCTAssertEqual(batch.inputs.map(\.shape), [[2, 3], [2, 3]])
    }

    func testUnknownTestLabelIsAnError() throws {
        let train = try folder.file("train.csv", "t,l\na,pos\nb,neg\n")
        let test = try folder.file("test.csv", "t,l\nc,neutral\n")
        let options = TextDatasetOptions(textColumns: ["t"], labelColumn: "l")
        assertThrows(
            .unknownLabel(label: "neutral", known: ["neg", "pos"]),
            message: "unknown label \"neutral\"; the known labels are \"neg\", \"pos\""
        ) { try TextDataset.load(train, testFile: test, options: options) }
    }

    func testEncodeNewTextsWithAVocabulary() throws {
        let vocabulary = try Vocabulary(tokens: ["<PAD>", "<UNK>", "good", "film"])
        let ids = try TextDataset.encode(["A GOOD film!", "film film film film good"], vocabulary: vocabulary, maxLength: 4)
        XCTAssertEqual(ids.shape, [2, 4])
        XCTAssertEqual(ids.scalars, [1, 2, 3, 0, 3, 3, 3, 3])
    }
}
