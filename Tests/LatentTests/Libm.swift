#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Double-precision references for the vector math tests.
func Foundation_exp(_ x: Double) -> Double { exp(x) }
func Foundation_tanh(_ x: Double) -> Double { tanh(x) }
func Foundation_log1p(_ x: Double) -> Double { log1p(x) }
func Foundation_pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
