"""The focused parts a Workspace is composed of: marks, tracks, turn-taking chains, clips and stills, the
case's review, and suggested turn-taking. Each part's changes are steps on the workspace's one undo history,
written to the vault before the in-memory model changes (see vigtool.services.workspace)."""
