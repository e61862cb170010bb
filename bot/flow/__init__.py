"""The guide's core, in two parts.

The pure part is `engine` and every module it imports (model, session, render, actions, keywords,
availability): values in, values out, no files, environment, clock, YAML, storage or transport
(tests/flow/test_model.py keeps it so). The loading part (loader, yamlsource, reading, sections,
checks, readability) turns the YAML files into a frozen `Guide` and names every problem.
"""
