"""An nbgrader preprocessor for ``generate_feedback`` (see assignments/nbgrader_config.py).

nbgrader's ``ClearHiddenTests`` cuts the hidden tests from a test cell's source, but a
failing hidden test still shows itself in the cell's error output: the traceback prints
the lines around the failing call, hidden ones included. This preprocessor shortens the
error outputs of autograded test cells to ``Name: message`` (the checks word hidden
failures without their inputs), so feedback shows why a test failed and nothing hidden.
"""
from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class ClearTestTracebacks(NbGraderPreprocessor):

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
