/// One tensor: element type, shape (C order) and its raw little-endian bytes.
public struct SafeTensor: Sendable {
    public var dtype: SafeTensorDType
    public var shape: [Int]
    public var data: [UInt8]

    /// Prefix for conversion errors, such as "ckpt.safetensors: tensor 'fc.bias'"; set when the tensor
    /// comes from a file, so that `asFloats()` on it can say which file and tensor were wrong.
    var errorLabel: String?

    /// Wraps raw bytes; `data.count` must equal `elementCount * dtype.byteSize`.
    public init(dtype: SafeTensorDType, shape: [Int], data: [UInt8]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        let expected = shape.reduce(1, *) * dtype.byteSize
        precondition(data.count == expected,
                     "\(data.count) bytes do not fit shape \(shape) of \(dtype.rawValue) (\(expected) bytes)")
        self.dtype = dtype
        self.shape = shape
        self.data = data
    }

    public init(floats: [Float], shape: [Int]) {
        Self.checkCount(floats.count, shape)
        self.init(dtype: .f32, shape: shape, data: littleEndianBytes(floats.map(\.bitPattern)))
    }

    public init(doubles: [Double], shape: [Int]) {
        Self.checkCount(doubles.count, shape)
        self.init(dtype: .f64, shape: shape, data: littleEndianBytes(doubles.map(\.bitPattern)))
    }

    public init(int64s: [Int64], shape: [Int]) {
        Self.checkCount(int64s.count, shape)
        self.init(dtype: .i64, shape: shape, data: littleEndianBytes(int64s))
    }

    public init(int32s: [Int32], shape: [Int]) {
        Self.checkCount(int32s.count, shape)
        self.init(dtype: .i32, shape: shape, data: littleEndianBytes(int32s))
    }

    public init(uint8s: [UInt8], shape: [Int]) {
        Self.checkCount(uint8s.count, shape)
        self.init(dtype: .u8, shape: shape, data: uint8s)
    }

    /// Product of the dimensions; 1 for a scalar (shape []).
    public var elementCount: Int { shape.reduce(1, *) }

    private static func checkCount(_ count: Int, _ shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(count == shape.reduce(1, *), "\(count) values do not fit shape \(shape)")
    }
}

extension SafeTensor: Equatable {
    /// Equal when dtype, shape and bytes are equal; where the tensor came from does not matter.
    public static func == (lhs: SafeTensor, rhs: SafeTensor) -> Bool {
        lhs.dtype == rhs.dtype && lhs.shape == rhs.shape && lhs.data == rhs.data
    }
}
