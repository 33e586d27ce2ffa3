import Foundation
import Testing

/// `latent-bench model <case>` trains every model the chapters train through the chapters' own step
/// functions. The speed is measured in the release build; here each case only has to run its steps
/// (tiny batch and width, one short repetition) and print its figure: a case that hands a step the
/// wrong shapes traps on the step's precondition (seen with iwae's noise drawn for one sample per image).
@Suite("Every latent-bench model case runs the chapter's step")
struct BenchCaseTests {
    static let cases = ["ae", "dense-ae", "tied-ae", "celeba-ae", "vae", "dense-vae", "celeba-vae", "iwae", "rows-vae",
                        "burgess-vae", "beta-tcvae", "cvae", "m2"]

    @Test("a few training steps at batch 4: exit 0 and an images/s line", arguments: cases)
    func runs(_ name: String) throws {
        let executable = try #require(builtExecutable("latent-bench"), "latent-bench is not built beside the tests")
        let (status, output) = runProcess(executable, ["model", name, "--threads", "1", "--batch", "4", "--nz", "3", "--filters", "2",
                                                       "--samples", "3", "--repetitions", "1", "--target", "0.001", "--no-profile"],
                                          timeLimit: 300)
        #expect(status == 0, "\(name) failed (status \(status)):\n\(output)")
        let line = output.split(separator: "\n").first { $0.hasPrefix("\(name) ") && $0.contains(" threads=1 ") && $0.contains(" images/s") }
        #expect(line != nil, "no images/s line for \(name):\n\(output)")
    }

    /// The list above is every case the bench knows: a new case gets its run here too.
    @Test("the list covers every case latent-bench names")
    func coversEveryCase() throws {
        let executable = try #require(builtExecutable("latent-bench"), "latent-bench is not built beside the tests")
        let output = runProcess(executable, ["model", "no-such-case"]).output
        let named = try #require(output.range(of: "the case must be one of ").map { output[$0.upperBound...] }, "no case list in:\n\(output)")
        // "…one of ae, dense-ae, …, m2, got no-such-case"
        let known = named.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.prefix { !$0.hasPrefix("got ") }
        #expect(Array(known) == Self.cases, "latent-bench names \(known)")
    }
}
