"""Writes iris.data beside this script: Fisher's iris data in the layout of UCI's
`iris.data` (no header row; four measurements in cm, then the class as text such as
`Iris-setosa`; a blank line at the end), from scikit-learn's bundled copy.

    pip install scikit-learn && python3 make_iris.py
"""

from pathlib import Path

from sklearn.datasets import load_iris

iris = load_iris()
names = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
lines = [",".join(f"{v:.1f}" for v in row) + "," + names[k] for row, k in zip(iris.data, iris.target)]
Path(__file__).with_name("iris.data").write_text("\n".join(lines) + "\n\n")
