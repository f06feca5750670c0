import Testing
import Quantities

@Suite struct QuantitiesTests {
    @Test(arguments: [("64M", UInt64(64 << 20)), ("1G", 1 << 30), ("512MiB", 512 << 20), ("4096", 4096),
                      ("2k", 2048), (" 8M ", 8 << 20), ("1TB", 1 << 40)])
    func parsesMemorySizes(text: String, bytes: UInt64) {
        #expect(Quantities.byteSize(text) == bytes)
    }

    @Test(arguments: ["", "M", "-1M", "1.5G", "12Q", "99999999999T"])
    func rejectsNonSizes(text: String) {
        #expect(Quantities.byteSize(text) == nil)
    }

    @Test func parsesDurations() {
        #expect(Quantities.seconds("10s") == 10)
        #expect(Quantities.seconds("500ms") == 0.5)
        #expect(Quantities.seconds("2m") == 120)
        #expect(Quantities.seconds("1.5") == 1.5)
        for bad in ["", "0s", "-1s", "abc", "inf", "nan"] { #expect(Quantities.seconds(bad) == nil, "\(bad)") }
    }
}
