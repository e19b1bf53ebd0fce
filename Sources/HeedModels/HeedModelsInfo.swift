/// Facts about this build of Heed's model library.
public enum HeedModelsInfo {
    /// Heed's version.
    public static let version = "0.1.0"
}
