pytest_plugins = ["lantern.testing.personas"]
