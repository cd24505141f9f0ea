"""The training recipe's splits: what each model may and may not have seen (issue #5, part 1).

The shipped classifier's honest figure depends on the held-out lesion groups never reaching
training or selection; the benchmark model must use the MedMNIST protocol (the whole official
train split) and still keep the demo lesions out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.integration.test_analysis_parity import training_data_module
from tests.shared_data import require_shared_data


@pytest.fixture(scope="module")
def table() -> Any:
    data_dir = require_shared_data() / "ham10000"
    return training_data_module().load_table(data_dir)


def test_product_split_never_touches_the_heldout_groups(table: Any) -> None:
    data = training_data_module()
    masks = data.masks_for_model(table, "product")
    seen = masks["train"] | masks["val"]
    held_groups = set(table.group[masks["heldout"]].tolist())
    assert held_groups
    assert not held_groups & set(table.group[seen].tolist())
    assert masks["heldout"][table.demo].all()  # the demo lesions are held out
    assert not (masks["train"] & (table.official != "train")).any()
    assert not (masks["val"] & (table.official != "val")).any()


def test_dermamnist_split_is_all_official_train_images_but_the_demo_lesions(table: Any) -> None:
    data = training_data_module()
    masks = data.masks_for_model(table, "dermamnist")
    official_train = table.official == "train"
    assert np.array_equal(masks["train"], official_train & ~table.demo)
    assert np.array_equal(masks["val"], (table.official == "val") & ~table.demo)
    assert "heldout" not in masks  # this model has no lesion-grouped evaluation
    assert int(official_train.sum()) - int(masks["train"].sum()) == int(
        (official_train & table.demo).sum()
    )
    # Temperature scaling uses only val images of lesions outside the training images.
    train_groups = set(table.group[masks["train"]].tolist())
    assert not set(table.group[masks["val_clean"]].tolist()) & train_groups


def test_unknown_split_is_refused(table: Any) -> None:
    with pytest.raises(ValueError, match="unknown split"):
        training_data_module().masks_for_model(table, "everything")
