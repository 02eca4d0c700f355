# Gradescope "custom Docker image" for this autograder. Gradescope's own images are the base, the
# source sits in /autograder/source and the entrypoint at /autograder/run_autograder, as Gradescope
# expects. Everything is installed at build time: grading needs no network.
ARG BASE_TAG=ubuntu-22.04
FROM gradescope/autograder-base:${BASE_TAG}

COPY . /autograder/source
RUN apt-get update \
    && bash /autograder/source/setup.sh \
    && cp /autograder/source/run_autograder /autograder/run_autograder \
    && chmod 755 /autograder/run_autograder \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/tmp/*
