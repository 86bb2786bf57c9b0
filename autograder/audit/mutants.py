"""Mutants: the reference with one plausible bug planted in one solution region.

Mutation analysis (:mod:`autograder.audit.mutation`) grades every mutant with the real grader: a grading
that deserves trust takes points from each of them, in the task whose region holds the bug. The bugs
are the small slips students make, each an :data:`OPERATORS` entry:

    operator    a + b ↔ a − b, a · b ↔ a / b, a ** b → a · b, a @ b → a · b, < ↔ ≤, == ↔ !=,
                and ↔ or, += ↔ −=, *= ↔ /=
    operands    a − b → b − a, a / b → b / a, a @ b → b @ a
    sign        −x → x, not x → x
    constant    an integer n → n + 1 and n − 1, a float c → c + 1, True ↔ False (reshape's −1 → 0
                only: NumPy takes any negative size as the inferred one)
    axis        axis=… or dim=… left out, keepdims=k → keepdims=not k, x.T → x,
                x.transpose(…) → x, x.swapaxes(…) → x
    statement   one statement (or a whole ``if``) deleted
    copy        a += b → a = a + b, a = a + b → a += b, x.copy() → x, out=… left out
    index       x[i] → x[i + 1]
    call        maximum ↔ minimum, max ↔ min, argmax ↔ argmin, sum ↔ mean, zeros ↔ ones (and
                their _like forms); reversed(x) → x, sorted(x) → x
    order       return a, b, … → return b, a, …

The rewriting works on libcst's concrete syntax tree of the region's code, so a mutant keeps the
region's layout and comments and differs from it in exactly one place (its :attr:`Mutant.diff`).
"""
import dataclasses
import difflib
import textwrap
from dataclasses import dataclass

import libcst as cst

from autograder.audit import variants
from autograder.course.model import Assignment, Course

OPERATORS = ("operator", "operands", "sign", "constant", "axis", "statement", "copy", "index", "call",
             "order")

_SWAPPED = {cst.Add: cst.Subtract, cst.Subtract: cst.Add, cst.Multiply: cst.Divide, cst.Divide: cst.Multiply,
            cst.Power: cst.Multiply, cst.MatrixMultiply: cst.Multiply, cst.FloorDivide: cst.Divide,
            cst.LessThan: cst.LessThanEqual, cst.LessThanEqual: cst.LessThan,
            cst.GreaterThan: cst.GreaterThanEqual, cst.GreaterThanEqual: cst.GreaterThan,
            cst.Equal: cst.NotEqual, cst.NotEqual: cst.Equal, cst.Is: cst.IsNot, cst.IsNot: cst.Is,
            cst.In: cst.NotIn, cst.NotIn: cst.In, cst.And: cst.Or, cst.Or: cst.And,
            cst.AddAssign: cst.SubtractAssign, cst.SubtractAssign: cst.AddAssign,
            cst.MultiplyAssign: cst.DivideAssign, cst.DivideAssign: cst.MultiplyAssign}
_NOT_COMMUTATIVE = (cst.Subtract, cst.Divide, cst.MatrixMultiply)
_AUGMENTED = {cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
              cst.DivideAssign: cst.Divide}
_CALLS = {"maximum": "minimum", "minimum": "maximum", "max": "min", "min": "max", "argmax": "argmin",
          "argmin": "argmax", "sum": "mean", "mean": "sum", "zeros": "ones", "ones": "zeros",
          "zeros_like": "ones_like", "ones_like": "zeros_like"}
_UNWRAPPED = ("reversed", "sorted")        # f(x) → x
_AXES = ("axis", "axes", "dim")
_BOOLEANS = {"True": "False", "False": "True"}


@dataclass(frozen=True)
class Mutant:
    """One planted bug.

    site: the region's :class:`~autograder.audit.variants.Site`; operator: its :data:`OPERATORS` kind;
    before, after: the code that changed, on one line each; statement: the statement it stands in, on
    one line; line: where it stands in the reference's file; code: the region's whole code with the
    bug, unindented (what :func:`variants.write` takes); original: the region's own code.
    """
    site: variants.Site
    operator: str
    before: str
    after: str
    statement: str
    line: int
    code: str
    original: str

    @property
    def key(self) -> str:
        """A name that stays the same while the statement it changes does: the site, the change, and
        the statement it stands in when the change is smaller, without line numbers (the key of a
        waiver, see :mod:`autograder.audit.mutation`)."""
        where = f" in `{self.statement}`" if self.statement != self.before else ""
        return f"{self.site}: `{self.before}` → `{self.after}`{where}"

    @property
    def diff(self) -> str:
        """The unified diff of the region's code, original against mutant."""
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.code.splitlines(keepends=True),
                                            f"{self.site.file} (reference)", f"{self.site.file} (mutant)",
                                            n=2))


def mutants(course: Course, assignment: Assignment | None = None) -> list[Mutant]:
    """[:class:`Mutant`] of every solution region of the reference (of ``assignment``'s tasks only,
    when given), in file and line order; within a region, no two mutants have the same code."""
    found = []
    for site, region in variants.regions(course).items():
        if assignment is not None and course.tasks[site.task].assignment_number != assignment.number:
            continue
        original = textwrap.dedent("".join(region.code))
        found += of_region(site, original, region.line + len(region.todo))   # the line before the code
    return found


def of_region(site: variants.Site, code: str, offset: int = 0) -> list[Mutant]:
    """[:class:`Mutant`] of one region's ``code`` (unindented) at ``site``; ``offset`` is the number of
    the file's line before the code's first (its BEGIN marker's, or its last TODO line's)."""
    module = cst.parse_module(code)
    wrapper = cst.metadata.MetadataWrapper(module, unsafe_skip_copy=True)
    finder = _Finder()
    wrapper.visit(finder)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    parents = wrapper.resolve(cst.metadata.ParentNodeProvider)
    seen, found = {code}, []
    for operator, node, replacement in finder.changes:
        mutated = module.deep_replace(node, replacement).code
        if mutated in seen or variants.same_code(mutated, code):
            continue
        seen.add(mutated)
        statement = node
        while not isinstance(statement, _STATEMENTS):
            statement = parents[statement]
        found.append(Mutant(site, operator, _one_line(module, node), _one_line(module, replacement),
                            _one_line(module, statement), offset + positions[node].start.line, mutated, code))
    return _numbered(found)


_STATEMENTS = (cst.SimpleStatementLine, cst.BaseSmallStatement, cst.BaseCompoundStatement)


def _numbered(found: list[Mutant]) -> list[Mutant]:
    """The mutants, those with the same key (the same change in two equal statements) told apart by
    ``#2``, ``#3``… in order."""
    count = {}
    out = []
    for mutant in found:
        count[mutant.key] = count.get(mutant.key, 0) + 1
        if count[mutant.key] > 1:
            mutant = dataclasses.replace(mutant, after=f"{mutant.after} #{count[mutant.key]}")
        out.append(mutant)
    return out


def _one_line(module: cst.Module, node: cst.CSTNode) -> str:
    """A node's code on one line, its comments and extra spaces dropped."""
    if isinstance(node, cst.SimpleStatementLine):
        return "; ".join(_one_line(module, statement) for statement in node.body)
    if isinstance(node, (cst.If, cst.While)):
        return f"{'if' if isinstance(node, cst.If) else 'while'} {_one_line(module, node.test)}: …"
    if isinstance(node, cst.For):
        return f"for {_one_line(module, node.target)} in {_one_line(module, node.iter)}: …"
    if isinstance(node, cst.BaseCompoundStatement):
        return module.code_for_node(node).splitlines()[0].strip()
    lines = [line.split("#")[0].strip() for line in module.code_for_node(node).splitlines()]
    return " ".join(line for line in lines if line)


def _same_spacing(new_operator: cst.CSTNode, old_operator: cst.CSTNode) -> cst.CSTNode:
    keep = {name: getattr(old_operator, name) for name in ("whitespace_before", "whitespace_after")
            if hasattr(old_operator, name) and hasattr(new_operator, name)}
    return new_operator.with_changes(**keep) if keep else new_operator


def _pass() -> cst.SimpleStatementLine:
    return cst.SimpleStatementLine([cst.Pass()])


class _Finder(cst.CSTVisitor):
    """Collects ``changes``: (operator, node, replacement) for every bug of :data:`OPERATORS` that
    one node of the tree can carry."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, cst.CSTNode, cst.CSTNode]] = []
        self.inferred: set[int] = set()    # the −1 sizes of reshape calls, which any negative size means too

    def add(self, operator: str, node: cst.CSTNode, replacement: cst.CSTNode) -> None:
        self.changes.append((operator, node, replacement))

    # operator, operands
    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        swapped = _SWAPPED.get(type(node.operator))
        if swapped:
            self.add("operator", node, node.with_changes(operator=_same_spacing(swapped(), node.operator)))
        if isinstance(node.operator, _NOT_COMMUTATIVE):
            self.add("operands", node, node.with_changes(left=_parenthesised(node.right),
                                                         right=_parenthesised(node.left)))

    def visit_BooleanOperation(self, node: cst.BooleanOperation) -> None:
        self.add("operator", node, node.with_changes(
            operator=_same_spacing(_SWAPPED[type(node.operator)](), node.operator)))

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for i, target in enumerate(node.comparisons):
            swapped = _SWAPPED.get(type(target.operator))
            if swapped:
                changed = target.with_changes(operator=_same_spacing(swapped(), target.operator))
                comparisons = [*node.comparisons[:i], changed, *node.comparisons[i + 1:]]
                self.add("operator", node, node.with_changes(comparisons=comparisons))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        swapped = _SWAPPED.get(type(node.operator))
        if swapped:
            self.add("operator", node, node.with_changes(operator=_same_spacing(swapped(), node.operator)))
        binary = _AUGMENTED.get(type(node.operator))
        if binary and isinstance(node.target, (cst.Name, cst.Attribute, cst.Subscript)):
            copied = cst.Assign([cst.AssignTarget(node.target)],
                                cst.BinaryOperation(node.target, binary(), _parenthesised(node.value)))
            self.add("copy", node, copied)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if (len(node.targets) == 1 and isinstance(value, cst.BinaryOperation)
                and type(value.operator) in {v: k for k, v in _AUGMENTED.items()}
                and value.left.deep_equals(node.targets[0].target)):
            augmented = {v: k for k, v in _AUGMENTED.items()}[type(value.operator)]
            self.add("copy", node, cst.AugAssign(node.targets[0].target, augmented(), value.right))

    # sign
    def visit_UnaryOperation(self, node: cst.UnaryOperation) -> bool:
        if isinstance(node.operator, (cst.Minus, cst.Not)):
            self.add("sign", node, node.expression)
        if isinstance(node.operator, cst.Minus) and isinstance(node.expression, cst.Integer):
            value = -node.expression.evaluated_value
            self._off_by_one(node, value, below=id(node) not in self.inferred)
            return False      # −1 is one constant, whose digits are not mutated on their own
        return True

    # constant
    def visit_Integer(self, node: cst.Integer) -> None:
        self._off_by_one(node, node.evaluated_value)

    def _off_by_one(self, node: cst.CSTNode, value: int, below: bool = True) -> None:
        """value + 1, and value − 1 unless ``below`` is False (reshape's −1: −2 means the same)."""
        for changed in (value + 1, value - 1)[:2 if below else 1]:
            self.add("constant", node, cst.Integer(str(changed)) if changed >= 0 else
                     cst.UnaryOperation(cst.Minus(), cst.Integer(str(-changed))))

    def visit_Float(self, node: cst.Float) -> None:
        self.add("constant", node, cst.Float(repr(node.evaluated_value + 1)))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in _BOOLEANS:
            self.add("constant", node, cst.Name(_BOOLEANS[node.value]))

    # axis, copy, call
    def visit_Call(self, node: cst.Call) -> None:
        for argument in node.args:
            keyword = argument.keyword.value if argument.keyword else None
            if keyword in (*_AXES, "out"):
                self.add("axis" if keyword != "out" else "copy", node,
                         node.with_changes(args=[a for a in node.args if a is not argument]))
            if keyword == "keepdims" and not (isinstance(argument.value, cst.Name)
                                              and argument.value.value in _BOOLEANS):
                negated = argument.with_changes(value=cst.UnaryOperation(cst.Not(), argument.value))
                self.add("axis", node, node.with_changes(
                    args=[negated if a is argument else a for a in node.args]))
        function = node.func
        if isinstance(function, cst.Attribute) and function.attr.value == "reshape":
            self.inferred |= {id(a.value) for a in node.args if isinstance(a.value, cst.UnaryOperation)}
        if isinstance(function, cst.Attribute):
            if function.attr.value in ("transpose", "swapaxes"):
                self.add("axis", node, function.value)
            elif function.attr.value == "copy" and not node.args:
                self.add("copy", node, function.value)
            if function.attr.value in _CALLS:
                self.add("call", node, node.with_changes(
                    func=function.with_changes(attr=cst.Name(_CALLS[function.attr.value]))))
        elif isinstance(function, cst.Name):
            if function.value in _CALLS:
                self.add("call", node, node.with_changes(func=cst.Name(_CALLS[function.value])))
            if function.value in _UNWRAPPED and len(node.args) == 1:
                self.add("call", node, node.args[0].value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "T":
            self.add("axis", node, node.value)

    # index
    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        index = node.slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.Name) \
                and index.value.value not in _BOOLEANS and index.value.value != "None":
            moved = cst.BinaryOperation(index.value, cst.Add(), cst.Integer("1"))
            self.add("index", node, node.with_changes(slice=index.with_changes(value=moved)))

    # statement
    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self.add("statement", node, _pass())

    def visit_If(self, node: cst.If) -> None:
        self.add("statement", node, _pass())

    # order
    def visit_Return(self, node: cst.Return) -> None:
        if isinstance(node.value, cst.Tuple) and len(node.value.elements) >= 2:
            first, second, *rest = node.value.elements
            elements = [second.with_changes(comma=first.comma), first.with_changes(comma=second.comma), *rest]
            self.add("order", node, node.with_changes(value=node.value.with_changes(elements=elements)))


def _parenthesised(expression: cst.BaseExpression) -> cst.BaseExpression:
    """``expression`` in parentheses when it is an operation, so that moving it keeps its meaning."""
    if isinstance(expression, (cst.BinaryOperation, cst.BooleanOperation, cst.UnaryOperation,
                               cst.Comparison, cst.IfExp)) and not expression.lpar:
        return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return expression
