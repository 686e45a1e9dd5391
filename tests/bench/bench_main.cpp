#include <benchmark/benchmark.h>

#include "cli/allocator.h"

int main(int argc, char** argv) {
  ito::tune_allocator_for_large_buffers();  // as the CLI does
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
