"""A rule whose output is a declared directory, to exercise REAPI output directories."""

def _generated_tree_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run_shell(
        outputs = [out],
        command = "mkdir -p {o}/nested && echo one > {o}/one.txt && echo two > {o}/nested/two.txt && ln -s one.txt {o}/link".format(o = out.path),
    )
    return [DefaultInfo(files = depset([out]))]

generated_tree = rule(implementation = _generated_tree_impl)
