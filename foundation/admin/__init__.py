"""Admin mixins every app's console uses (service writes, refusals as messages, people's names)."""
