"""Every work the book cites, once: author, title, where it appeared and a link.

An experiment's published numbers name their source by its key (``references=[(0.476,
"geron2019")]``); a chapter's table cites them as ``[n]`` with the short name in its
legend, and the chapter's *References* section (:func:`dlcourse.report.show_references`)
gives each source of the chapter once, in full. A chapter that discusses a method also
cites its paper there, by key.

The three "original posts" are the blog posts the course's brief took its reference
numbers from; the brief gives their numbers and settings but neither author nor address,
so they are cited as that, not with a link invented for them.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    short: str                 # how a table's legend names it
    author: str | None         # None only where the course never had it (see the module)
    title: str
    published: str             # venue or publisher, and year
    url: str | None = None
    note: str = ""             # the part cited, or why a field is missing

    def __post_init__(self):
        if not (self.author and self.url) and not self.note:
            raise ValueError(f"{self.title}: a source without an author or a link says why")


_BRIEF = ("Its numbers are the course brief's reference; the brief records neither its "
          "author nor its address, so none is given here.")

SOURCES: dict[str, Source] = {
    # the reference numbers
    "geron2019": Source(
        "Géron (2019), handson-ml2", "Aurélien Géron",
        "Hands-On Machine Learning with Scikit-Learn, Keras, and TensorFlow, 2nd edition",
        "O'Reilly Media, 2019",
        "https://github.com/ageron/handson-ml2/blob/master/11_training_deep_neural_networks.ipynb",
        "Chapter 11, exercise 8, and its solution in the notebook "
        "11_training_deep_neural_networks.ipynb of the book's repository, handson-ml2."),
    "post_learning_rate": Source(
        "the original post on the learning rate", None,
        "The original post: RMSprop on MNIST with learning rates 0.5 and 1e-6",
        "Blog post", None, _BRIEF),
    "post_optimizers": Source(
        "the original post on optimizers", None,
        "The original post: optimizers compared on Fashion-MNIST", "Blog post", None, _BRIEF),
    "post_cifar10": Source(
        "the original post on the CIFAR-10 exercise", None,
        "The original post: Hands-On ML's CIFAR-10 exercise (ch. 11, ex. 8) worked through",
        "Blog post", None, _BRIEF),
    "saito2016": Source(
        "Saito (2016)", "Koki Saito",
        "Deep Learning from Scratch (ゼロから作るDeep Learning)", "O'Reilly Japan, 2016",
        "https://github.com/oreilly-japan/deep-learning-from-scratch",
        "Section 6.2, the initial weight values; ch06/weight_init_activation_histogram.py "
        "in the book's repository."),
    # the datasets
    "lecun1998": Source(
        "MNIST", "Yann LeCun, Corinna Cortes and Christopher J. C. Burges",
        "The MNIST database of handwritten digits", "1998",
        "http://yann.lecun.com/exdb/mnist/"),
    "xiao2017": Source(
        "Fashion-MNIST", "Han Xiao, Kashif Rasul and Roland Vollgraf",
        "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms",
        "arXiv:1708.07747, 2017", "https://arxiv.org/abs/1708.07747"),
    "krizhevsky2009": Source(
        "CIFAR-10", "Alex Krizhevsky", "Learning Multiple Layers of Features from Tiny Images",
        "Technical report, University of Toronto, 2009",
        "https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf"),
    # the methods
    "tieleman2012": Source(
        "RMSprop", "Tijmen Tieleman and Geoffrey Hinton",
        "Lecture 6.5, rmsprop: divide the gradient by a running average of its recent "
        "magnitude", "Neural Networks for Machine Learning (Coursera), 2012",
        "https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf"),
    "sutskever2013": Source(
        "momentum and Nesterov", "Ilya Sutskever, James Martens, George Dahl and Geoffrey Hinton",
        "On the importance of initialization and momentum in deep learning", "ICML 2013",
        "https://proceedings.mlr.press/v28/sutskever13.html"),
    "duchi2011": Source(
        "Adagrad", "John Duchi, Elad Hazan and Yoram Singer",
        "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization",
        "Journal of Machine Learning Research 12, 2011",
        "https://jmlr.org/papers/v12/duchi11a.html"),
    "kingma2015": Source(
        "Adam", "Diederik P. Kingma and Jimmy Ba", "Adam: A Method for Stochastic Optimization",
        "ICLR 2015", "https://arxiv.org/abs/1412.6980"),
    "dozat2016": Source(
        "Nadam", "Timothy Dozat", "Incorporating Nesterov Momentum into Adam",
        "ICLR 2016 workshop", "https://openreview.net/forum?id=OM0jvwB8jIp57ZJjtNEZ"),
    "loshchilov2017": Source(
        "SGDR", "Ilya Loshchilov and Frank Hutter",
        "SGDR: Stochastic Gradient Descent with Warm Restarts", "ICLR 2017",
        "https://arxiv.org/abs/1608.03983"),
    "smith2018": Source(
        "1cycle", "Leslie N. Smith",
        "A disciplined approach to neural network hyper-parameters: Part 1 – learning rate, "
        "batch size, momentum, and weight decay", "arXiv:1803.09820, 2018",
        "https://arxiv.org/abs/1803.09820"),
    "glorot2010": Source(
        "Glorot and Bengio (2010)", "Xavier Glorot and Yoshua Bengio",
        "Understanding the difficulty of training deep feedforward neural networks",
        "AISTATS 2010", "https://proceedings.mlr.press/v9/glorot10a.html"),
    "he2015": Source(
        "He et al. (2015)", "Kaiming He, Xiangyu Zhang, Shaoqing Ren and Jian Sun",
        "Delving Deep into Rectifiers: Surpassing Human-Level Performance on ImageNet "
        "Classification", "ICCV 2015", "https://arxiv.org/abs/1502.01852"),
    "srivastava2014": Source(
        "dropout", "Nitish Srivastava, Geoffrey Hinton, Alex Krizhevsky, Ilya Sutskever and "
        "Ruslan Salakhutdinov", "Dropout: A Simple Way to Prevent Neural Networks from "
        "Overfitting", "Journal of Machine Learning Research 15, 2014",
        "https://jmlr.org/papers/v15/srivastava14a.html"),
    "clevert2016": Source(
        "ELU", "Djork-Arné Clevert, Thomas Unterthiner and Sepp Hochreiter",
        "Fast and Accurate Deep Network Learning by Exponential Linear Units (ELUs)",
        "ICLR 2016", "https://arxiv.org/abs/1511.07289"),
    "ioffe2015": Source(
        "batch normalisation", "Sergey Ioffe and Christian Szegedy",
        "Batch Normalization: Accelerating Deep Network Training by Reducing Internal "
        "Covariate Shift", "ICML 2015", "https://arxiv.org/abs/1502.03167"),
    "klambauer2017": Source(
        "SELU", "Günter Klambauer, Thomas Unterthiner, Andreas Mayr and Sepp Hochreiter",
        "Self-Normalizing Neural Networks", "NeurIPS 2017", "https://arxiv.org/abs/1706.02515"),
    "gal2016": Source(
        "MC dropout", "Yarin Gal and Zoubin Ghahramani",
        "Dropout as a Bayesian Approximation: Representing Model Uncertainty in Deep Learning",
        "ICML 2016", "https://arxiv.org/abs/1506.02142"),
}


def citation(key: str) -> str:
    """One source in full, as a line of Markdown."""
    s = SOURCES[key]
    parts = [f"{s.author}." if s.author else "", f"*{s.title}*.", f"{s.published}."]
    if s.url:
        parts.append(f"<{s.url}>")
    if s.note:
        parts.append(s.note)
    return " ".join(p for p in parts if p)
