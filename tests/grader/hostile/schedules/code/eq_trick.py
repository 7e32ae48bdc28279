# ---
# case = "eq_trick"
# attack = """
# Objects whose __eq__ is always True, a float subclass lying in __float__: only real
# numbers cross to the grader, a float subclass at its stored value."""
# points = 6  # of 8
#
# [fails]  # each fails (0 points), its reason holding this; the other tests earn theirs
# test_scheduler_exp = "not a number"
# test_exponential_decay_fn = "returned 0.5"
# ---
# %% answer_scheduler_exp

class Always:
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __repr__(self): return "0.01"
def scheduler_exp(epoch, lr):
    return Always()
class Liar(float):
    def __eq__(self, other): return True
    def __float__(self): return 0.01
    def __abs__(self): return 0.0
def exponential_decay_fn(epoch):
    return Liar(0.5)                           # stored value 0.5, claims to equal anything

# %% answer_exponential_decay_fn
pass
