#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: a small seeded generator, so a random test replays exactly.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The seed of a randomised test: `$TEST_SEED` when set (to replay a failure), else a fresh one. It is
/// printed, named by `test`, so a failing run says how to replay it.
public func testSeed(_ test: String) -> UInt64 {
    let seed: UInt64
    if let text = getenv("TEST_SEED").map({ String(cString: $0) }), let value = UInt64(text, radix: 16) ?? UInt64(text) {
        seed = value
    } else {
        var generator = SystemRandomNumberGenerator()
        seed = generator.next()
    }
    print("\(test): seed 0x\(String(seed, radix: 16)) (replay with TEST_SEED=0x\(String(seed, radix: 16)))")
    return seed
}
