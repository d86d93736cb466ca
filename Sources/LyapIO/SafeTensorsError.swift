/// A safetensors file could not be read, or holds something other than what the caller expected.
/// The message is one line that names the file and the problem.
public struct SafeTensorsError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
