"""Instance Messenger: the model of a multi-protocol chat client (accounts, people, groups,
conversations) that a user interface builds on; ``ircsupport`` plugs IRC into it."""
