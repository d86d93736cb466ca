/// A text file (CSV, JSON) could not be read or parsed; the message names the path and the problem.
public struct FileReadError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
