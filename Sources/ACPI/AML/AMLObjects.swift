extension AML {
    /// `Name (NAME, value)`: NameOp NameString DataRefObject.
    public struct Name: AMLEncodable {
        public let name: NameString
        public let value: any AMLEncodable

        public init(_ name: NameString, _ value: any AMLEncodable) {
            self.name = name
            self.value = value
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.nameOp)
            name.encodeAML(into: &sink)
            value.encodeAML(into: &sink)
        }
    }

    /// `Scope (NAME) { terms }`: ScopeOp PkgLength NameString TermList.
    public struct Scope: AMLEncodable {
        public let name: NameString
        public let terms: [any AMLEncodable]

        public init(_ name: NameString, _ terms: [any AMLEncodable]) {
            self.name = name
            self.terms = terms
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.scopeOp)
            AML.withPackageLength(into: &sink) { body in
                name.encodeAML(into: &body)
                AML.encodeTerms(terms, into: &body)
            }
        }
    }

    /// `Device (NAME) { terms }`: ExtOpPrefix DeviceOp PkgLength NameString TermList.
    public struct Device: AMLEncodable {
        public let name: NameString
        public let terms: [any AMLEncodable]

        public init(_ name: NameString, _ terms: [any AMLEncodable]) {
            self.name = name
            self.terms = terms
        }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.extOpPrefix)
            sink.put(AML.deviceOp)
            AML.withPackageLength(into: &sink) { body in
                name.encodeAML(into: &body)
                AML.encodeTerms(terms, into: &body)
            }
        }
    }

    /// `Method (NAME, args, Serialized|NotSerialized) { terms }`:
    /// MethodOp PkgLength NameString MethodFlags TermList, where MethodFlags bits 0-2 are the argument
    /// count, bit 3 SerializeFlag, bits 4-7 SyncLevel.
    public struct Method: AMLEncodable {
        public let name: NameString
        public let argumentCount: Int
        public let serialized: Bool
        public let syncLevel: UInt8
        public let terms: [any AMLEncodable]

        public init(_ name: NameString, arguments: Int = 0, serialized: Bool = false, syncLevel: UInt8 = 0,
                    _ terms: [any AMLEncodable]) {
            precondition((0...7).contains(arguments), "AML methods take 0-7 arguments")
            precondition(syncLevel <= 15, "AML SyncLevel is 0-15")
            self.name = name
            self.argumentCount = arguments
            self.serialized = serialized
            self.syncLevel = syncLevel
            self.terms = terms
        }

        public var flags: UInt8 { UInt8(argumentCount) | (serialized ? 1 << 3 : 0) | syncLevel << 4 }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.methodOp)
            AML.withPackageLength(into: &sink) { body in
                name.encodeAML(into: &body)
                body.put(flags)
                AML.encodeTerms(terms, into: &body)
            }
        }
    }

    /// `Return (value)`: ReturnOp ArgObject.
    public struct Return: AMLEncodable {
        public let value: any AMLEncodable

        public init(_ value: any AMLEncodable) { self.value = value }

        public func encodeAML(into sink: inout ByteWriter) {
            sink.put(AML.returnOp)
            value.encodeAML(into: &sink)
        }
    }
}
