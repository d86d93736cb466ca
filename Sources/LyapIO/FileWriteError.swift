/// A file could not be written; the message names the path and the failing step with its errno text.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
