/// A mistake in the command line itself: an option out of range or options that do not go together.
struct CLIError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
