%{ for n in names ~}
${n}
%{ endfor ~}
%{ if name }
