import Foundation
import Testing
@testable import LatentData

@Suite("Dataset names, folders and the stopwatch")
struct DatasetsTests {
    @Test("one search order for every dataset: --data alone when given; else LATENT_DATA, the shared data, the cache, the system",
          arguments: DatasetName.allCases)
    func folders(name: DatasetName) {
        let environment = ["LATENT_DATA": "/x", "XDG_CACHE_HOME": "/c"]
        #expect(DataFolders.search(name.rawValue, explicit: "/some/where", system: ["/usr/s"], environment: environment) == ["/some/where"])
        #expect(DataFolders.search(name.rawValue, explicit: nil, system: ["/usr/s"], environment: environment)
                == ["/x/\(name.rawValue)", "/x", "../shared/data/\(name.rawValue)", "shared/data/\(name.rawValue)", "/c/latent/\(name.rawValue)", "/usr/s"])
        #expect(DataFolders.search(name.rawValue, explicit: nil, environment: ["HOME": "/h"]).first == "../shared/data/\(name.rawValue)")
    }

    @Test("the command-line names are the folder names of the shared data")
    func names() {
        // `images` is the user's own folder (--data), not a shared dataset: it has no shared folder.
        #expect(DatasetName.allCases.map(\.rawValue) == ["mnist", "fashion-mnist", "celeba", "images"])
        #expect(DatasetName(rawValue: "fashion-mnist") == .fashionMNIST)
    }

    @Test("laps add up to the time since creation, and both grow")
    func stopwatch() throws {
        var clock = Stopwatch()
        usleep(20_000)
        let first = clock.lap()
        usleep(20_000)
        let second = clock.lap()
        let total = clock.seconds
        #expect(first >= 0.019 && second >= 0.019)
        #expect(total >= first + second && total < first + second + 0.01)
    }
}
