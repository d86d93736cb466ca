extension SafeTensor {
    /// The values as Float; F32 is exact, F64 rounds to the nearest Float.
    public func asFloats() throws(SafeTensorsError) -> [Float] {
        try checkDataSize()
        switch dtype {
        case .f32: return integers(UInt32.self, fromLittleEndian: data).map(Float.init(bitPattern:))
        case .f64: return integers(UInt64.self, fromLittleEndian: data).map { Float(Double(bitPattern: $0)) }
        default: throw conversionError("has dtype \(dtype.rawValue), expected F32 or F64")
        }
    }

    /// The values as Double; exact for both F32 and F64.
    public func asDoubles() throws(SafeTensorsError) -> [Double] {
        try checkDataSize()
        switch dtype {
        case .f32: return integers(UInt32.self, fromLittleEndian: data).map { Double(Float(bitPattern: $0)) }
        case .f64: return integers(UInt64.self, fromLittleEndian: data).map(Double.init(bitPattern:))
        default: throw conversionError("has dtype \(dtype.rawValue), expected F32 or F64")
        }
    }

    /// The values as Int64, from any integer dtype whose values all fit (I64, I32, I16, I8, U32, U16, U8).
    public func asInt64s() throws(SafeTensorsError) -> [Int64] {
        try checkDataSize()
        switch dtype {
        case .i64: return integers(Int64.self, fromLittleEndian: data)
        case .i32: return integers(Int32.self, fromLittleEndian: data).map(Int64.init)
        case .i16: return integers(Int16.self, fromLittleEndian: data).map(Int64.init)
        case .i8: return integers(Int8.self, fromLittleEndian: data).map(Int64.init)
        case .u32: return integers(UInt32.self, fromLittleEndian: data).map(Int64.init)
        case .u16: return integers(UInt16.self, fromLittleEndian: data).map(Int64.init)
        case .u8: return data.map(Int64.init)
        default:
            throw conversionError("has dtype \(dtype.rawValue), expected an integer dtype (I64, I32, I16, I8, U32, U16, U8)")
        }
    }

    /// `data` is a public var, so it may have been changed to a length that no longer fits the shape.
    private func checkDataSize() throws(SafeTensorsError) {
        let (count, countOverflow) = shape.reduce((1, false)) { acc, dim in
            let (product, overflow) = acc.0.multipliedReportingOverflow(by: dim)
            return (product, acc.1 || overflow || dim < 0)
        }
        let (bytes, bytesOverflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
        guard !countOverflow, !bytesOverflow, bytes == data.count else {
            throw conversionError("holds \(data.count) bytes, which do not fit shape \(shape) of \(dtype.rawValue)")
        }
    }

    private func conversionError(_ problem: String) -> SafeTensorsError {
        SafeTensorsError(message: "\(errorLabel ?? "tensor") \(problem)")
    }
}
