// Each test runs `faceweb` processes that use every core; one at a time keeps them from starving each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
