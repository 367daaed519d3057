// libtorch's process-wide state (the global RNG that several trainers seed, its intra-op thread pool, the native
// allocator settings of ADR 0002) is shared by every test class in this process. Run them one after another: in three
// parallel runs on 2026-12-04 one crashed the test process (exit code 139) and one failed inside a scalar multiply.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
