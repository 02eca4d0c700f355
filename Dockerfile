# Gradescope "manual Docker configuration" image for this autograder, laid out as the zip upload
# (`python -m autograder build`) is: the source in /autograder/source, the entrypoint at
# /autograder/run_autograder. The base must be one of Gradescope's images (they carry the harness
# that fetches a submission and calls run_autograder) and it defines CMD and ENTRYPOINT, so this
# file sets neither. Everything is installed at build time: grading needs no network.
ARG BASE_REPO=gradescope/autograder-base
ARG TAG=ubuntu-22.04
FROM ${BASE_REPO}:${TAG}

COPY . /autograder/source
# Windows line endings would break both scripts: strip them (Gradescope's sample uses dos2unix).
RUN sed -i 's/\r$//' /autograder/source/setup.sh /autograder/source/run_autograder \
    && cp /autograder/source/run_autograder /autograder/run_autograder \
    && chmod 755 /autograder/run_autograder \
    && apt-get update \
    && bash /autograder/source/setup.sh \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /tmp/* /var/tmp/*
