#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Double-precision references for the vector math tests.
func Foundation_exp(_ x: Double) -> Double { exp(x) }
func Foundation_tanh(_ x: Double) -> Double { tanh(x) }
