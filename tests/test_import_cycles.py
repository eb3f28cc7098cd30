"""No two modules of the platform import each other, directly or through others (ARCHITECTURE §4).

import-linter's contracts hold the layers between apps; a cycle between two modules (say one app's actions
and another's) slipped past them, because the imports were inside functions. grimp (import-linter's graph)
sees those too. A new cycle fails here with its path; break it by moving the shared step down a layer or by
calling through a narrower module, as `learning.practice`, `accounts.tokens` and `questions.packages` do."""

import grimp


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("zhijiao")
    cycles = set()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                back = graph.find_shortest_chain(importer=imported, imported=module)
                cycles.add(" → ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(sorted(cycles))
