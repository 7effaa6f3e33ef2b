"""The performance benchmark (`python bench/run.py`): not part of the application or its tests."""
