import Foundation
import Latent
import Testing
@testable import LatentData

@Suite("Shapes (dSprites-style)")
struct ShapesTests {
    let shapes = Shapes()

    @Test("737,280 images; index ↔ factors round trip in dSprites' order (y fastest, shape slowest)")
    func indexRoundTrip() {
        #expect(shapes.count == 737_280)
        #expect(Shapes.gridIndex(of: [0, 0, 0, 0, 1]) == 1)
        #expect(Shapes.gridIndex(of: [0, 0, 0, 1, 0]) == 32)
        #expect(Shapes.gridIndex(of: [0, 0, 1, 0, 0]) == 1024)
        #expect(Shapes.gridIndex(of: [0, 1, 0, 0, 0]) == 40_960)
        #expect(Shapes.gridIndex(of: [1, 0, 0, 0, 0]) == 245_760)
        #expect(Shapes.gridIndex(of: [2, 5, 39, 31, 31]) == 737_279)
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<2000 {
            let index = Int(generator.next() % 737_280)
            #expect(shapes.index(of: shapes.factors(of: index)) == index)
        }
    }

    @Test("A square at scale 1, angle 0, top-left position: exactly the 20×20 pixels with centres in [6, 26]")
    func squarePixels() {
        let image = shapes.image(Shapes.gridIndex(of: [0, 5, 0, 0, 0]))
        #expect(image.filter { $0 == 255 }.count == 400)
        #expect(image.allSatisfy { $0 == 0 || $0 == 255 })  // no anti-aliasing
        for (row, col, on) in [(6, 6, true), (25, 25, true), (5, 6, false), (6, 5, false), (26, 25, false), (25, 26, false)] {
            #expect((image[row * 64 + col] == 255) == on, "pixel (\(row), \(col))")
        }
    }

    @Test("An ellipse at scale 1, angle 0, centre (16, 16): 20 pixels across row 16, 10 down column 16")
    func ellipsePixels() {
        let image = shapes.image(Shapes.gridIndex(of: [1, 5, 0, 0, 0]))
        #expect((0..<64).filter { image[16 * 64 + $0] == 255 } == Array(6...25))
        #expect((0..<64).filter { image[$0 * 64 + 16] == 255 } == Array(11...20))
    }

    @Test("Drawing is deterministic, moves with x and y, and every shape stays inside the image")
    func deterministic() {
        let index = Shapes.gridIndex(of: [2, 3, 17, 9, 22])
        #expect(shapes.image(index) == shapes.image(index))
        // One step in x moves the heart by 32/31 px: its on-pixel count changes by at most rounding.
        let a = shapes.image(Shapes.gridIndex(of: [2, 5, 0, 0, 0])), b = shapes.image(Shapes.gridIndex(of: [2, 5, 0, 31, 0]))
        #expect(a != b)
        let (onA, onB) = (a.filter { $0 > 0 }.count, b.filter { $0 > 0 }.count)
        #expect(abs(onA - onB) < 40)
        // At the far corner, the largest square turned 45°-ish still touches no border.
        for shape in 0..<3 {
            for orientation in [5, 15] {
                let image = shapes.image(Shapes.gridIndex(of: [shape, 5, orientation, 31, 31]))
                var border: [UInt8] = []
                for i in 0..<64 {
                    let edge: [UInt8] = [image[i], image[63 * 64 + i], image[i * 64], image[i * 64 + 63]]
                    border += edge
                }
                #expect(border.allSatisfy { $0 == 0 }, "shape \(shape) orientation \(orientation)")
                #expect(image.contains(255))
            }
        }
    }

    @Test("DeepMind's .npz format: a NumPy-written file loads through the same API")
    func npz() throws {
        let loaded = try Shapes.load(npz: TestPaths.fixture("shapes/tiny.npz"))
        #expect(loaded.count == 3)
        #expect(loaded.factors(of: 1) == [1, 5, 39, 31, 0])
        #expect(loaded.index(of: [2, 3, 10, 7, 31]) == 2)
        #expect(loaded.index(of: [2, 3, 10, 7, 30]) == nil)
        for i in 0..<3 {
            let image = loaded.image(i)
            #expect(image.filter { $0 == 255 }.count == 1)
            #expect(image[i * 64 + 2 * i] == 255)
        }
    }

    @Test("Bad .npz files: errors name the file and what is wrong")
    func npzErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shapes-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Not a ZIP at all.
        let text = folder + "/text.npz"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: (any Error).self) { try Shapes.load(npz: text) }
        // A ZIP without the arrays: the MNIST-free small.zip fixture.
        do {
            _ = try Shapes.load(npz: TestPaths.fixture("zip/small.zip"))
            Issue.record("a ZIP without imgs.npy loaded")
        } catch let error as NPYError {
            #expect(error.description.contains("small.zip") && error.description.contains("imgs.npy"))
        }
        // Headers NPYArray must refuse.
        func npy(_ header: String, payload: Int) -> [UInt8] {
            let h: [UInt8] = Array(header.utf8)
            var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
            bytes.append(UInt8(h.count & 255))
            bytes.append(UInt8(h.count >> 8))
            bytes += h
            bytes += [UInt8](repeating: 0, count: payload)
            return bytes
        }
        #expect(try NPYArray(bytes: npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", payload: 6), name: "ok").shape == [2, 3])
        for (header, payload, words) in [
            ("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 5, "needs 6"),
            ("{'descr': '|O', 'fortran_order': False, 'shape': (), }", 8, "element type |O"),
            ("{'descr': '<i8', 'fortran_order': True, 'shape': (1,), }", 8, "Fortran"),
        ] {
            #expect { try NPYArray(bytes: npy(header, payload: payload), name: "x.npz:a.npy") } throws: { error in
                "\(error)".contains("x.npz:a.npy") && "\(error)".contains(words)
            }
        }
    }

    @Test("Generation speed is reported by the chapter, not measured here; a batch tensor is 0s and 1s")
    func tensor() {
        let t = shapes.tensor(indices: [0, 737_279])
        #expect(t.shape == [2, 1, 64, 64])
        #expect(t.scalars.allSatisfy { $0 == 0 || $0 == 1 })
        let on0 = shapes.image(0).filter { $0 > 0 }.count, on1 = shapes.image(737_279).filter { $0 > 0 }.count
        #expect(t.scalars.reduce(0, +) == Float(on0 + on1))
    }
}
