"""The suites of `test_faithful_parity.py`, each as (tests, right submission, wrong submission).

Every suite is a mapping from a file's path (in `tests/`, or in the submission) to its text,
written as course staff write them; the submissions are a correct one and a broken one.
"""

CALCULATOR_TESTS = {"test_calculator.py": '''
    import io
    import subprocess
    import sys
    import unittest
    from unittest import mock

    from gradescope_utils.autograder_utils.decorators import (
        leaderboard, number, partial_credit, tags, visibility, weight)

    from calculator import CalculatorError, evaluate, main


    class TestCalculator(unittest.TestCase):
        @weight(2)
        @number("1.1")
        def test_add(self):
            """Evaluate 1 + 2"""
            print("evaluating 1 + 2")
            self.assertEqual(evaluate("1 + 2"), 3)

        @weight(1)
        @number(1.2)
        @tags("errors")
        def test_bad_input(self):
            with self.assertRaises(CalculatorError):
                evaluate("1 +")

        @partial_credit(3)
        def test_cases(self, set_score=None):
            """Three sums, a point each"""
            cases = [("2 + 2", 4), ("3 + 4", 7), ("10 + 1", 11)]
            set_score(sum(evaluate(text) == value for text, value in cases))

        @weight(1)
        @visibility("after_due_date")
        def test_main_prompts(self):
            with mock.patch("builtins.input", side_effect=["5 + 6", "quit"]), \\
                    mock.patch("sys.stdout", new_callable=io.StringIO) as shown:
                main()
            self.assertIn("11", shown.getvalue())

        @weight(1)
        def test_repl(self):
            finished = subprocess.run([sys.executable, "-u", "calculator.py"], input="7 + 8\\nquit\\n",
                                      capture_output=True, text=True, timeout=20)
            self.assertIn("15", finished.stdout)

        def test_each_digit(self):
            for digit in range(3):
                with self.subTest(digit=digit):
                    self.assertEqual(evaluate(f"{digit} + 0"), digit)

        @unittest.skip("not graded this term")
        @weight(5)
        def test_later(self):
            self.fail("never runs")

        @leaderboard("fastest")
        def test_speed(self, set_leaderboard_value=None):
            evaluate("1 + 1")
    '''}
CALCULATOR_RIGHT = {"calculator.py": '''
    class CalculatorError(Exception):
        pass


    def evaluate(text):
        parts = text.split("+")
        if len(parts) != 2 or not all(part.strip() for part in parts):
            raise CalculatorError(f"cannot read {text!r}")
        return int(parts[0]) + int(parts[1])


    def main():
        while True:
            line = input("> ")
            if line == "quit":
                return
            print(evaluate(line))


    if __name__ == "__main__":
        main()
    '''}
CALCULATOR_WRONG = {"calculator.py": '''
    def evaluate(text):
        left, right = text.split("+")
        total = int(left) + int(right)
        return total + 1 if total > 10 else total


    class CalculatorError(Exception):
        pass


    def main():
        print(evaluate(input("> ")))


    if __name__ == "__main__":
        main()
    '''}

LAB_TESTS = {
    "__init__.py": "",
    "BaseLab.py": '''
        import importlib
        import unittest


        class BaseLab(unittest.TestCase):
            module_name = "lab"

            @classmethod
            def setUpClass(cls):
                cls.lab = importlib.import_module(cls.module_name)
        ''',
    "test_lab.py": '''
        from gradescope_utils.autograder_utils.decorators import hide_errors, leaderboard, weight

        from BaseLab import BaseLab


        class TestLab(BaseLab):
            @weight(1.5)
            def test_square(self):
                """square(4) is 16"""
                self.assertEqual(self.lab.square(4), 16)

            @weight(1)
            @hide_errors("Your mean is off; see the handout.")
            def test_mean(self):
                self.assertAlmostEqual(self.lab.mean([1, 2, 3, 6]), 3.0)

            @weight(2)
            def test_words(self):
                """Counts *words* in __text__"""
                print("counting", self.lab.count_words("a b  c"))
                self.assertEqual(self.lab.count_words("a b  c"), 3)

            @leaderboard("stars", "asc")
            def test_stars(self, set_leaderboard_value=None):
                set_leaderboard_value("*" * self.lab.square(2))
        ''',
}
LAB_RIGHT = {"lab.py": '''
    def square(x):
        return x * x


    def mean(values):
        return sum(values) / len(values)


    def count_words(text):
        return len(text.split())
    '''}
LAB_WRONG = {"lab.py": '''
    def square(x):
        return x * 2


    def mean(values):
        return sum(values) / (len(values) - 1)


    def count_words(text):
        print("splitting on single spaces")
        return len(text.split(" "))
    '''}

HOMEWORK_TESTS = {"test_hw3.py": '''
    import sys
    import unittest

    from gradescope_utils.autograder_utils.decorators import (
        number, partial_credit, visibility, weight)

    import hw3


    class TestStrings(unittest.TestCase):
        @weight(2)
        @number("1.1")
        def test_reverse_words(self):
            """reverse_words reverses the order of the words"""
            self.assertEqual(hw3.reverse_words("the quick brown fox"), "fox brown quick the",
                             "`reverse_words` keeps each *word* as it is (see __Part 1__)")

        @weight(2)
        @number("1.2")
        def test_palindromes(self):
            """is_palindrome ignores case, spaces and punctuation"""
            cases = [("racecar", True), ("Never odd or even", True),
                     ("A man, a plan, a canal: Panama!", True), ("palindrome", False), ("", True)]
            for text, expected in cases:
                with self.subTest(text=text):
                    self.assertEqual(hw3.is_palindrome(text), expected)

        @weight(1)
        @number("1.3")
        def test_count_vowels(self):
            """count_vowels counts a, e, i, o, u in either case"""
            text = "__AEIOU__ and y"
            print(f"count_vowels({text!r}) returned {hw3.count_vowels(text)}")
            self.assertEqual(hw3.count_vowels(text), 6,
                             msg="**Hint:** `y` is not a vowel, `_` is not a letter, *case* does not matter")

        @weight(1)
        @number("2.1")
        @visibility("after_due_date")
        def test_compress(self):
            """compress writes each run as the letter and its length"""
            self.assertEqual(hw3.compress("aaabccdddd"), "a3b1c2d4")

        @weight(3)
        @number("2.2")
        @visibility("hidden")
        def test_compress_edges(self):
            """compress of an empty or one-letter string"""
            self.assertEqual(hw3.compress(""), "")
            self.assertEqual(hw3.compress("z"), "z1")

        @weight(1)
        @number("4")
        def test_title_case(self):
            """Bonus: title_case"""
            if not hasattr(hw3, "title_case"):
                self.skipTest("title_case is the optional bonus; not attempted")
            self.assertEqual(hw3.title_case("the lord of the rings"), "The Lord of the Rings")

        def test_docstrings(self):
            for name in ("reverse_words", "is_palindrome", "count_vowels", "compress", "flatten"):
                self.assertTrue(getattr(hw3, name).__doc__, f"`{name}` needs a docstring")


    class TestLists(unittest.TestCase):
        @weight(2)
        @number("3.1")
        def test_flatten(self):
            """flatten of nested lists"""
            for nested, flat in [([1, [2, 3]], [1, 2, 3]), ([[1, [2, [3, [4]]]], 5], [1, 2, 3, 4, 5])]:
                print(f"flatten({nested})", end=" ")
                print("->", hw3.flatten(nested), file=sys.stderr)
                self.assertEqual(hw3.flatten(nested), flat)

        @partial_credit(4)
        @number("3.2")
        def test_second_largest(self, set_score=None):
            """second_largest: a point per list"""
            cases = [([1, 2, 3], 2), ([5, 5, 3], 3), ([-1, -7, -3], -3), ([10, 10, 10, 9], 9)]
            earned = 0
            for values, expected in cases:
                got = hw3.second_largest(values)
                if got == expected:
                    earned += 1
                else:
                    print(f"second_largest({values}) should be {expected}, got {got}")
            set_score(earned)
    '''}
HOMEWORK_RIGHT = {"hw3.py": '''
    """Homework 3: strings and lists."""


    def reverse_words(sentence):
        """The words of `sentence` in reverse order."""
        return " ".join(reversed(sentence.split()))


    def is_palindrome(text):
        """Whether `text` reads the same backwards, letters and digits only, any case."""
        kept = [ch.lower() for ch in text if ch.isalnum()]
        return kept == kept[::-1]


    def count_vowels(text):
        """How many vowels `text` has."""
        return sum(ch in "aeiou" for ch in text.lower())


    def compress(text):
        """Run-length encoding: "aaab" is "a3b1"."""
        runs = []
        for ch in text:
            if runs and runs[-1][0] == ch:
                runs[-1][1] += 1
            else:
                runs.append([ch, 1])
        return "".join(f"{ch}{count}" for ch, count in runs)


    def flatten(nested):
        """Every item of nested lists, in order, in one list."""
        flat = []
        for item in nested:
            flat.extend(flatten(item) if isinstance(item, list) else [item])
        return flat


    def second_largest(values):
        """The second largest distinct value."""
        return sorted(set(values))[-2]


    def title_case(text):
        """Every word capitalised except short ones after the first."""
        small = {"of", "the", "a", "an", "and"}
        words = text.split()
        return " ".join(w if i and w in small else w.capitalize() for i, w in enumerate(words))
    '''}
HOMEWORK_WRONG = {"hw3.py": '''
    def reverse_words(sentence):
        """The words of `sentence` in reverse order."""
        return sentence[::-1]


    def is_palindrome(text):
        """Whether `text` reads the same backwards."""
        text = text.lower().replace(" ", "")
        return text == text[::-1]


    def count_vowels(text):
        """How many vowels `text` has."""
        return sum(ch in "aeiou" for ch in text)


    def compress(text):
        result, count = "", 1
        for i in range(1, len(text)):
            if text[i] == text[i - 1]:
                count += 1
            else:
                result += text[i - 1] + str(count)
                count = 1
        return result + text[-1] + str(count)


    def flatten(nested):
        """One level only."""
        flat = []
        for item in nested:
            flat.extend(item if isinstance(item, list) else [item])
        return flat


    def second_largest(values):
        """The second largest value."""
        return sorted(values)[-2]
    '''}

INVENTORY_TESTS = {
    "fixtures.py": '''
        import os
        import tempfile

        CSV = "name,qty,price\\nwidget,4,2.50\\ngadget,10,1.25\\ngizmo,1,19.99\\n"


        def write_temp_csv(text=CSV):
            handle, path = tempfile.mkstemp(prefix="inventory_", suffix=".csv")
            with os.fdopen(handle, "w") as stream:
                stream.write(text)
            return path
        ''',
    "test_inventory.py": '''
        import os
        import unittest

        from gradescope_utils.autograder_utils.decorators import tags, weight

        from inventory import average_price, load_inventory, total_value
        from tests.fixtures import write_temp_csv


        class TestInventoryFile(unittest.TestCase):
            def setUp(self):
                self.path = write_temp_csv()

            def tearDown(self):
                os.remove(self.path)

            @weight(1.5)
            @tags("files")
            def test_load_reads_every_row(self):
                self.assertEqual(sorted(load_inventory(self.path)), ["gadget", "gizmo", "widget"])

            @weight(1.5)
            @tags("files")
            def test_load_types(self):
                self.assertEqual(load_inventory(self.path)["widget"], (4, 2.5))

            @weight(1)
            @tags("files", "math")
            def test_total_value(self):
                self.assertAlmostEqual(total_value(load_inventory(self.path)), 42.49, places=2)

            @weight(1)
            @tags("math")
            def test_average_price(self):
                self.assertAlmostEqual(average_price(load_inventory(self.path)), 23.74 / 3)

            @weight(0.5)
            @tags("errors")
            def test_average_of_nothing(self):
                with self.assertRaises(ZeroDivisionError):
                    average_price({})
        ''',
    "test_parsing.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import tags, weight

        import inventory


        class TestParsing(unittest.TestCase):
            @weight(1)
            @tags("parsing")
            def test_parse_quantity(self):
                self.assertEqual(inventory.parse_quantity(" 12 "), 12)

            @weight(1)
            @tags("parsing", "errors")
            def test_rejects_words(self):
                with self.assertRaises(ValueError):
                    inventory.parse_quantity("twelve")

            @weight(1)
            @tags("parsing", "errors")
            def test_rejects_negative(self):
                with self.assertRaises(ValueError) as caught:
                    inventory.parse_quantity("-3")
                self.assertIn("negative", str(caught.exception))

            @weight(1)
            @tags("errors")
            def test_restock_unknown_item(self):
                with self.assertRaises(KeyError):
                    inventory.restock({"widget": (1, 2.5)}, "sprocket", 3)

            @tags("errors")
            def test_restock(self):
                self.assertEqual(inventory.restock({"widget": (1, 2.5)}, "widget", 3), {"widget": (4, 2.5)})
        ''',
    "test_discounts.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import tags, weight

        from inventory import apply_discount


        class TestDiscounts(unittest.TestCase):
            @weight(2)
            @tags("bonus")
            def test_ten_percent(self):
                self.assertAlmostEqual(apply_discount(20.0, 10), 18.0)

            @weight(1)
            @tags("bonus", "errors")
            def test_over_a_hundred(self):
                with self.assertRaises(ValueError):
                    apply_discount(5.0, 150)
        ''',
}
INVENTORY_RIGHT = {"inventory.py": '''
    import csv


    def parse_quantity(text):
        quantity = int(text)
        if quantity < 0:
            raise ValueError(f"a quantity cannot be negative: {text!r}")
        return quantity


    def load_inventory(path):
        with open(path, newline="") as stream:
            return {row["name"]: (parse_quantity(row["qty"]), float(row["price"]))
                    for row in csv.DictReader(stream)}


    def total_value(inventory):
        return sum(qty * price for qty, price in inventory.values())


    def average_price(inventory):
        return sum(price for _, price in inventory.values()) / len(inventory)


    def restock(inventory, name, amount):
        qty, price = inventory[name]
        return {**inventory, name: (qty + amount, price)}


    def apply_discount(price, percent):
        if not 0 <= percent <= 100:
            raise ValueError("percent is between 0 and 100")
        return price * (100 - percent) / 100
    '''}
INVENTORY_WRONG = {"inventory.py": '''
    def parse_quantity(text):
        return int(text)


    def load_inventory(path):
        inventory = {}
        with open(path) as stream:
            next(stream)
            for line in stream:
                name, qty, price = line.strip().split(",")
                inventory[name] = (int(qty), price)
        return inventory


    def total_value(inventory):
        return sum(float(price) for _, price in inventory.values())


    def average_price(inventory):
        if not inventory:
            return 0.0
        total = sum(qty * float(price) for qty, price in inventory.values())
        return total / sum(qty for qty, _ in inventory.values())


    def restock(inventory, name, amount):
        inventory[name] = (inventory.get(name, (None,))[0] + amount, inventory.get(name, (0, 0))[1])
        return inventory
    '''}

ML_TESTS = {
    "__init__.py": "",
    "helpers/__init__.py": '''
        import numpy as np


        def make_blobs(rng, n, separation=3.5):
            """Two Gaussian blobs in 3 dimensions, labels 0 and 1 half each."""
            y = np.arange(n) % 2
            X = rng.normal(size=(n, 3)) + separation * y[:, None] * np.array([1.0, -0.5, 0.25])
            return X * np.array([1.0, 10.0, 0.1]) + np.array([0.0, 5.0, -2.0]), y
        ''',
    "helpers/reference.py": '''
        import numpy as np


        def reference_sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -z))


        def reference_standardize(X):
            std = X.std(axis=0)
            return (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)
        ''',
    "test_model.py": '''
        import unittest

        import numpy as np
        from numpy.testing import assert_allclose

        from gradescope_utils.autograder_utils.decorators import (
            leaderboard, number, partial_credit, weight)

        from helpers import make_blobs
        from helpers.reference import reference_sigmoid
        from hw.model import LogisticRegression, sigmoid
        from hw.utils import accuracy


        class TestLogisticRegression(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                rng = np.random.default_rng(1234)
                cls.X, cls.y = make_blobs(rng, 400)
                cls.X_test, cls.y_test = make_blobs(rng, 200)
                cls.model = LogisticRegression(learning_rate=0.5, epochs=200).fit(cls.X, cls.y)

            @weight(2)
            @number("1.1")
            def test_sigmoid_values(self):
                """sigmoid matches the closed form"""
                z = np.linspace(-6.0, 6.0, 7)
                assert_allclose(sigmoid(z), reference_sigmoid(z), rtol=1e-7,
                                err_msg="sigmoid(z) should be 1 / (1 + exp(-z))")

            @weight(1)
            @number("1.2")
            def test_sigmoid_is_stable(self):
                """sigmoid does not overflow for large |z|"""
                with np.errstate(over="raise"):
                    assert_allclose(sigmoid(np.array([-1000.0, 1000.0])), [0.0, 1.0])

            @weight(2)
            @number("2.1")
            def test_loss_decreases(self):
                """Training lowers the loss below log 2"""
                print(f"loss after training: {self.model.loss(self.X, self.y):.4f}")
                self.assertLess(self.model.loss(self.X, self.y), np.log(2) - 0.1)

            @weight(1)
            @number("2.2")
            def test_predictions_are_labels(self):
                predictions = self.model.predict(self.X_test)
                self.assertEqual(predictions.shape, (200,))
                self.assertTrue(set(np.unique(predictions)) <= {0, 1})

            @partial_credit(3)
            @number("2.3")
            def test_accuracy_targets(self, set_score=None):
                """A point per accuracy target met (75%, 90%, 95%)"""
                score = accuracy(self.y_test, self.model.predict(self.X_test))
                print(f"test accuracy {score:.3f}")
                set_score(sum(score >= target for target in (0.75, 0.90, 0.95)))

            @leaderboard("accuracy")
            def test_leaderboard_accuracy(self, set_leaderboard_value=None):
                set_leaderboard_value(accuracy(self.y_test, self.model.predict(self.X_test)))

            @leaderboard("training seconds", "asc")
            def test_leaderboard_time(self, set_leaderboard_value=None):
                seconds = getattr(self.model, "fit_seconds_", None)
                if seconds is not None:
                    set_leaderboard_value(seconds)
        ''',
    "test_utils.py": '''
        import unittest

        import numpy as np
        from numpy.testing import assert_allclose

        from gradescope_utils.autograder_utils.decorators import number, weight

        from hw import utils
        from tests.helpers.reference import reference_standardize


        class TestUtils(unittest.TestCase):
            @classmethod
            def setUpClass(cls):
                cls.X = np.random.default_rng(7).normal(3.0, [1.0, 4.0, 0.5], size=(50, 3))

            @weight(2)
            @number("3.1")
            def test_standardize(self):
                """standardize gives every column mean 0 and standard deviation 1"""
                assert_allclose(utils.standardize(self.X), reference_standardize(self.X), atol=1e-12)

            @weight(1)
            @number("3.2")
            def test_standardize_constant_column(self):
                X = np.hstack([self.X, np.full((50, 1), 2.0)])
                self.assertFalse(np.isnan(utils.standardize(X)).any(), "a constant column gave NaN")

            @weight(1)
            @number("3.3")
            def test_accuracy(self):
                self.assertEqual(utils.accuracy(np.array([0, 1, 1, 0]), np.array([0, 1, 0, 0])), 0.75)
        ''',
}
ML_RIGHT = {
    "hw/__init__.py": '''
        from hw.model import LogisticRegression, sigmoid
        ''',
    "hw/utils.py": '''
        import numpy as np


        def standardize(X):
            std = X.std(axis=0)
            return (X - X.mean(axis=0)) / np.where(std == 0, 1.0, std)


        def accuracy(y_true, y_pred):
            return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
        ''',
    "hw/model.py": '''
        import numpy as np

        from hw.utils import standardize


        def sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))


        class LogisticRegression:
            def __init__(self, learning_rate=0.1, epochs=100):
                self.learning_rate = learning_rate
                self.epochs = epochs

            def _design(self, X):
                X = (X - self.mean_) / self.std_
                return np.hstack([X, np.ones((len(X), 1))])

            def fit(self, X, y):
                self.mean_, self.std_ = X.mean(axis=0), X.std(axis=0)
                A = self._design(X)
                self.w_ = np.zeros(A.shape[1])
                for _ in range(self.epochs):
                    self.w_ -= self.learning_rate * A.T @ (sigmoid(A @ self.w_) - y) / len(y)
                return self

            def predict_proba(self, X):
                return sigmoid(self._design(X) @ self.w_)

            def predict(self, X):
                return (self.predict_proba(X) >= 0.5).astype(int)

            def loss(self, X, y):
                p = np.clip(self.predict_proba(X), 1e-12, 1 - 1e-12)
                return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        ''',
}
ML_WRONG = {
    "hw/__init__.py": "",
    "hw/utils.py": '''
        import numpy as np


        def standardize(X):
            return (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)


        def accuracy(y_true, y_pred):
            return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))
        ''',
    "hw/model.py": '''
        import numpy as np


        def sigmoid(z):
            return 1 / (1 + np.exp(-z))


        class LogisticRegression:
            def __init__(self, learning_rate=0.1, epochs=100):
                self.learning_rate = learning_rate
                self.epochs = epochs

            def fit(self, X, y):
                A = np.hstack([X, np.ones((len(X), 1))])
                self.w_ = np.zeros(A.shape[1])
                for _ in range(5):
                    self.w_ -= 0.001 * A.T @ (sigmoid(A @ self.w_) - y) / len(y)
                return self

            def predict_proba(self, X):
                return sigmoid(np.hstack([X, np.ones((len(X), 1))]) @ self.w_)

            def predict(self, X):
                return (self.predict_proba(X) > 0.5).astype(int)

            def loss(self, X, y):
                p = self.predict_proba(X)
                return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        ''',
}

# A board-game homework over two test files named as its run_tests.py discovers them
# (`discover("tests", pattern="*_tests.py")`): module-level constants computed from the
# submission's values, a 0-point check, a 0-point `@partial_credit` bonus, a TestCase class
# imported into the second file (unittest runs it twice, JSONTestRunner lists it twice), a test
# printing some 40,000 characters, a leaderboard column, and a third file whose top level unpacks
# a value of the submission (`ROWS, COLUMNS = grid.shape()`, which no placeholder can give: its
# decorators are read from its source), with aliased decorators and tests a base class of the
# file gives its subclass.
GRID_RUN_TESTS = '''
import sys
import unittest

from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

if __name__ == "__main__":
    suite = unittest.defaultTestLoader.discover("tests", pattern="*_tests.py")
    with open(sys.argv[1], "w") as stream:
        JSONTestRunner(visibility="visible", stream=stream).run(suite)
'''

GRID_TESTS = {
    "board_tests.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import (
            leaderboard, number, partial_credit, weight)

        import grid

        CELLS = grid.SIZE * grid.SIZE
        LAST = grid.SIZE - 1
        CORNERS = [(0, 0), (0, LAST), (LAST, 0), (LAST, LAST)]


        class TestSubmission(unittest.TestCase):
            @weight(0)
            @number("0.1")
            def test_files(self):
                """grid.py was submitted (0 points)"""
                self.assertTrue(hasattr(grid, "new_board"))


        class TestBoard(unittest.TestCase):
            @weight(2)
            @number("1.1")
            def test_cells(self):
                """A new board has SIZE * SIZE cells"""
                self.assertEqual(len(grid.new_board()), CELLS)

            @weight(1)
            @number("1.2")
            def test_corners(self):
                """The corners start empty"""
                board = grid.new_board()
                for row, column in CORNERS:
                    self.assertEqual(grid.cell(board, row, column), ".", f"corner {row}, {column}")

            @weight(1)
            @number("1.3")
            def test_render(self):
                """Four boards print as grids"""
                for _ in range(4):
                    text = grid.render(grid.new_board())
                    print(text)
                self.assertEqual(text.count("\\n"), grid.SIZE - 1)

            @partial_credit(0)
            def test_bonus(self, set_score=None):
                """Bonus: nothing yet (0 points)"""
                set_score(0)

            @leaderboard("cells")
            def test_leaderboard_cells(self, set_leaderboard_value=None):
                set_leaderboard_value(len(grid.new_board()))
        ''',
    "moves_tests.py": '''
        import unittest

        from gradescope_utils.autograder_utils.decorators import number, weight

        from board_tests import TestSubmission

        import grid


        class TestMoves(unittest.TestCase):
            @weight(2)
            @number("2.1")
            def test_place(self):
                """A placed mark shows in its cell"""
                board = grid.new_board()
                grid.place(board, 3, 4, "X")
                self.assertEqual(grid.cell(board, 3, 4), "X")

            @weight(1)
            @number("2.2")
            def test_place_outside(self):
                """A mark outside the board is refused"""
                with self.assertRaises(ValueError):
                    grid.place(grid.new_board(), grid.SIZE, 0, "X")
        ''',
}

GRID_TESTS["shape_tests.py"] = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import number, weight as points

    import grid

    ROWS, COLUMNS = grid.shape()


    class GridCase(unittest.TestCase):
        def setUp(self):
            self.board = grid.new_board()

        @points(1)
        @number("3.0")
        def test_board_is_a_list(self):
            """The board is a list"""
            self.assertIsInstance(self.board, list)


    class TestShape(GridCase):
        @points(1)
        @number("3.1")
        def test_rows(self):
            """The shape has SIZE rows and columns"""
            self.assertEqual((ROWS, COLUMNS), (grid.SIZE, grid.SIZE))

        def test_cells_match_the_shape(self):
            self.assertEqual(len(self.board), ROWS * COLUMNS)
    '''

GRID_RIGHT = {"grid.py": '''
    SIZE = 100


    def new_board():
        return ["."] * (SIZE * SIZE)


    def cell(board, row, column):
        return board[row * SIZE + column]


    def place(board, row, column, mark):
        if not (0 <= row < SIZE and 0 <= column < SIZE):
            raise ValueError(f"({row}, {column}) is outside the board")
        board[row * SIZE + column] = mark


    def render(board):
        return "\\n".join("".join(board[row * SIZE:(row + 1) * SIZE]) for row in range(SIZE))


    def shape():
        return SIZE, SIZE
    '''}

GRID_WRONG = {"grid.py": '''
    SIZE = 100


    def new_board():
        return ["."] * (SIZE * (SIZE - 1))


    def cell(board, row, column):
        return board[row * SIZE + column]


    def place(board, row, column, mark):
        board[row * SIZE + column] = mark


    def render(board):
        return "".join(board)


    def shape():
        return SIZE, SIZE - 1
    '''}


SUITES = {"calculator": (CALCULATOR_TESTS, CALCULATOR_RIGHT, CALCULATOR_WRONG),
          "lab with a base class": (LAB_TESTS, LAB_RIGHT, LAB_WRONG),
          "strings and lists homework": (HOMEWORK_TESTS, HOMEWORK_RIGHT, HOMEWORK_WRONG),
          "inventory over three test files": (INVENTORY_TESTS, INVENTORY_RIGHT, INVENTORY_WRONG),
          "numpy package with staff helpers": (ML_TESTS, ML_RIGHT, ML_WRONG),
          "board game with its own run_tests.py": (GRID_TESTS, GRID_RIGHT, GRID_WRONG)}
# The run_tests.py a suite's course puts beside its tests (the others use Gradescope's sample).
RUN_TESTS_BESIDE = {"board game with its own run_tests.py": GRID_RUN_TESTS}


# A test module whose `load_tests` adds a test again when the submission says so.
LOAD_TESTS_AGAIN = '''
    import unittest

    from gradescope_utils.autograder_utils.decorators import weight

    import hw


    class TestA(unittest.TestCase):
        @weight(2)
        def test_a(self):
            self.assertEqual(hw.double(2), 4)


    def load_tests(loader, tests, pattern):
        if hw.AGAIN:
            tests.addTest(TestA("test_a"))
        return tests
    '''
