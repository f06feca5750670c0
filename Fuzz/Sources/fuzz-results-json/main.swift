// fuzz-results-json: the input is a results.json. ReportCoding.decode; when it decodes, the report
// must re-encode to something that decodes to the same report, compare with itself as a baseline
// with no changes, and merge with a copy of itself whose drivers are renamed (which must succeed
// exactly when every driver/test key of the two is distinct).
import Foundation
import FuzzSupport
import TCK

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let report: RunReport
    do {
        report = try ReportCoding.decode(Data(bytes: data, count: size))
    } catch {
        require(!error.message.isEmpty, "empty ReportCodingError message")
        return 0
    }
    require(report.results.count <= ReportCoding.maximumResults, "\(report.results.count) results decoded")
    require((1...RunReport.currentSchemaVersion).contains(report.schemaVersion), "schemaVersion \(report.schemaVersion) accepted")

    // A report tck can read, tck must be able to write and read again.
    let encoded: Data
    do {
        encoded = try ReportCoding.encode(report)
    } catch {
        require(false, "a decoded report does not encode: \(error)")
        return 0
    }
    do {
        let again = try ReportCoding.decode(encoded)
        require(again == report, "the report changed through encode/decode")
    } catch {
        require(false, "a re-encoded report does not decode: \(error)")
    }

    let keys = Set(report.results.map(\.key))
    let comparison = Baseline.compare(previous: report, current: report)
    require(comparison.newFailures.isEmpty && comparison.fixes.isEmpty && comparison.newTests.isEmpty
            && comparison.removedTests.isEmpty, "a report differs from itself: \(comparison.summary)")
    require(comparison.unchanged + comparison.stillFailing.count == keys.count, "comparison lost keys")
    require(comparison.currentIsIncomplete == (report.partial || report.shard != nil), "currentIsIncomplete wrong")
    require(!comparison.text.isEmpty, "empty comparison text")

    var relabelled = report
    relabelled.results = report.results.map { result in
        var copy = result
        copy.driver += "~b"
        return copy
    }
    relabelled.drivers = report.drivers.map { driver in
        var copy = driver
        copy.name += "~b"
        return copy
    }
    let allKeys = report.results.map(\.key) + relabelled.results.map(\.key)
    do {
        let merged = try ReportMerge.merge([report, relabelled])
        require(Set(allKeys).count == allKeys.count, "merge accepted a key twice")
        require(merged.results.count == allKeys.count, "merge kept \(merged.results.count) of \(allKeys.count) results")
        require(zip(merged.results, merged.results.dropFirst()).allSatisfy { ($0.test, $0.driver) <= ($1.test, $1.driver) },
                "merged results not sorted by test, driver")
        require(merged.partial == report.partial && merged.shard == nil, "merged partial/shard wrong")
        require([report.startedAt, relabelled.startedAt].contains(merged.startedAt), "merged startedAt invented")
        let back = try ReportCoding.decode(try ReportCoding.encode(merged))
        require(back == merged, "the merged report does not survive results.json")
    } catch let error as ReportMergeError {
        require(Set(allKeys).count < allKeys.count, "merge refused distinct keys: \(error)")
    } catch {
        require(false, "merged report does not round-trip: \(error)")
    }
    return 0
}
