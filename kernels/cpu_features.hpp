// Which vector instruction set the fast CPU paths use on this machine. ENVFORGE_ISA=avx2|scalar
// forces a lower one (to test every path on one machine).
#pragma once

namespace envforge::kernels {

enum class Isa { Scalar, Avx2, Avx512 };

Isa cpu_isa();
// The best this CPU supports; force_isa(lower) makes later calls use a lower one (tests and
// benchmarks compare every path on one machine). Forcing a higher one than detected is ignored.
Isa detected_isa();
void force_isa(Isa isa);
const char* isa_name(Isa isa);

}  // namespace envforge::kernels
