/// Seeds for layer weights: a layer's initial weights come from a ``SeededGenerator`` seeded by
/// the user's seed mixed with the layer's name, so two layers with different names get
/// different weights from the same seed, and the same model built twice gets the same weights.
public enum LayerSeed {
    /// FNV-1a of the name, mixed with `seed`.
    public static func generator(seed: UInt64, name: String) -> SeededGenerator {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        return SeededGenerator(seed: seed ^ h)
    }
}
