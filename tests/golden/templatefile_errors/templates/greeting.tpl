Dear ${name},

hello ${nme}
