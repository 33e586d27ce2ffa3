import Foundation
import Testing

/// The relative links of a Markdown text — `](target)` and `](target#anchor)` — that are not web addresses.
func relativeLinks(in text: String) -> [String] {
    var links: [String] = []
    var rest = Substring(text)
    while let open = rest.range(of: "](") {
        let after = rest[open.upperBound...]
        guard let close = after.firstIndex(where: { $0 == ")" || $0 == " " || $0 == "\n" }) else { break }
        let target = String(after[..<close])
        let path = String(target.prefix { $0 != "#" })
        if !path.isEmpty && !path.hasPrefix("http://") && !path.hasPrefix("https://") && !path.hasPrefix("mailto:") {
            links.append(path)
        }
        rest = after[close...]
    }
    return links
}

@Suite("Chapter texts")
struct ChapterTextTests {
    /// README.md, docs/*.md and every chapter's README.md and APPENDIX.md.
    static let texts: [String] = {
        let manager = FileManager.default
        var files = ["README.md"] + ((try? manager.contentsOfDirectory(atPath: tutorialPackageRoot + "/docs")) ?? [])
            .filter { $0.hasSuffix(".md") }.map { "docs/" + $0 }
        for chapter in (try? manager.contentsOfDirectory(atPath: tutorialPackageRoot + "/Tutorials")) ?? [] {
            for name in ["README.md", "APPENDIX.md"] where manager.fileExists(atPath: "\(tutorialPackageRoot)/Tutorials/\(chapter)/\(name)") {
                files.append("Tutorials/\(chapter)/\(name)")
            }
        }
        return files.sorted()
    }()

    @Test("The links are found: figures, appendices and anchors' files, not web addresses")
    func linkParser() {
        let text = "![a](figures/a.png) see [the appendix](APPENDIX.md#seeds) and [b](https://x.org/y) or [c](../03-VAE/README.md)."
        #expect(relativeLinks(in: text) == ["figures/a.png", "APPENDIX.md", "../03-VAE/README.md"])
    }

    @Test("Every picture and file a chapter text links to is in the repository", arguments: texts)
    func linksResolve(text: String) throws {
        let path = tutorialPackageRoot + "/" + text
        let content = try String(contentsOfFile: path, encoding: .utf8)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let missing = relativeLinks(in: content).filter { !FileManager.default.fileExists(atPath: folder + "/" + $0) }
        #expect(missing.isEmpty, "\(text) links to files that do not exist: \(missing)")
    }

    @Test("A text linking to a file that does not exist is caught (negative control)")
    func brokenLinkIsCaught() {
        let links = relativeLinks(in: "![gone](figures/no-such-figure.png)")
        #expect(links == ["figures/no-such-figure.png"])
        #expect(!FileManager.default.fileExists(atPath: tutorialPackageRoot + "/Tutorials/04-BetaVAE/" + links[0]))
    }
}
