%matplotlib inline
%%time
!pip install -q pandas
  !ls -la | head
%timeit sum(range(10))
%%bash
echo $HOME
x = %who_ls
?len
len?
