module kubectl-copy-target/testapp

go 1.24
