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

    /// `latent-bench conv` times one layer's passes; here it only has to run them and print both lines.
    @Test("conv: a Conv2d and a ConvTranspose2d at batch 2 print a forward and a backward line each")
    func convRuns() throws {
        let executable = try #require(builtExecutable("latent-bench"), "latent-bench is not built beside the tests")
        let (status, output) = runProcess(executable, ["conv", "--layers", "conv:3:4:8,convt:4:3:4", "--batch", "2",
                                                       "--threads", "1", "--repetitions", "1"], timeLimit: 300)
        #expect(status == 0, "conv failed (status \(status)):\n\(output)")
        for layer in ["layer=conv in=3 out=4 size=8", "layer=convt in=4 out=3 size=4"] {
            for pass in ["forward", "backward"] {
                let line = output.split(separator: "\n").first { $0.hasPrefix("conv \(layer) batch=2 pass=\(pass) threads=1 ") && $0.hasSuffix(" GFLOP/s") }
                #expect(line != nil, "no \(pass) line for \(layer):\n\(output)")
            }
        }
    }

    /// A layer the bench cannot build is named in the error, not trapped on.
    @Test("conv: a malformed or too small layer is refused with a message naming it", arguments: ["conv:3:4", "pool:3:4:8", "conv:3:0:8", "conv:3:4:1"])
    func convRefuses(_ layer: String) throws {
        let executable = try #require(builtExecutable("latent-bench"), "latent-bench is not built beside the tests")
        let (status, output) = runProcess(executable, ["conv", "--layers", layer, "--threads", "1"])
        #expect(status != 0 && output.contains("--layers") && output.contains(layer), "status \(status):\n\(output)")
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
